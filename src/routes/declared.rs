//! What an endpoint's query accepts, read once from its `IntoParams` declaration (the names,
//! each whole number's bounds and default, each list of words), and [`Params`], the extractor
//! that checks a query string against it, so a parameter is declared in one place only.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use serde::de::DeserializeOwned;
use utoipa::openapi::path::{Parameter, ParameterIn};
use utoipa::openapi::schema::ArrayItems;
use utoipa::openapi::{RefOr, Schema};

use super::query::{RawQuery, read_word};
use crate::error::ApiError;

/// What one endpoint's query accepts, read once from its `IntoParams` declaration: the names,
/// in the order its messages list them, and each whole number's bounds and default.
#[derive(Debug)]
pub struct Declared {
    names: Vec<String>,
    numbers: Vec<(String, Bounds)>,
    word_lists: Vec<(String, Vec<String>)>,
}

/// A whole-number parameter's `minimum`, `maximum` and `default`, as declared.
#[derive(Debug, Clone, Copy)]
struct Bounds {
    min: u32,
    max: u32,
    default: u32,
}

impl Declared {
    /// The query parameters of `own`, with the `shared` ones (the post filters, declared once
    /// for `/posts` and `/search`) listed after the page size, as the endpoints always have.
    pub fn new(own: Vec<Parameter>, shared: Vec<Parameter>) -> Declared {
        let at = own
            .iter()
            .position(|param| param.name == "limit")
            .map_or(own.len(), |limit| limit + 1);
        let mut params = own;
        params.splice(at..at, shared);
        params.retain(|param| param.parameter_in == ParameterIn::Query);
        let numbers = params
            .iter()
            .filter_map(|param| Some((param.name.clone(), Bounds::of(param)?)))
            .collect();
        let word_lists = params
            .iter()
            .filter_map(|param| Some((param.name.clone(), list_words_of(param)?)))
            .collect();
        Declared {
            names: params.into_iter().map(|param| param.name).collect(),
            numbers,
            word_lists,
        }
    }

    /// Refuses parameters not declared; see [`RawQuery::reject_unknown`].
    pub fn reject_unknown(&self, query: &RawQuery) -> Result<(), ApiError> {
        query.reject_unknown(&self.names)
    }

    /// A whole number within its declared bounds, or its declared default when absent.
    pub fn number(&self, query: &RawQuery, name: &str) -> Result<u32, ApiError> {
        let Some((_, bounds)) = self.numbers.iter().find(|(known, _)| known == name) else {
            log::error!("`{name}` is read as a number but not declared with bounds");
            return Err(ApiError::Internal);
        };
        query.number(name, bounds.min, bounds.max, bounds.default)
    }

    /// A list of words of `T` (`fields=title,date`), a unit enum declared as the parameter's
    /// items; see [`RawQuery::word_list`].
    pub fn words<T: DeserializeOwned>(
        &self,
        query: &RawQuery,
        name: &str,
    ) -> Result<Vec<T>, ApiError> {
        let Some((_, allowed)) = self.word_lists.iter().find(|(known, _)| known == name) else {
            log::error!("`{name}` is read as a word list but not declared as one");
            return Err(ApiError::Internal);
        };
        query
            .word_list(name, allowed)?
            .into_iter()
            .map(|word| {
                read_word(word).ok_or_else(|| {
                    log::error!("`{name}` declares `{word}`, which its type does not read");
                    ApiError::Internal
                })
            })
            .collect()
    }
}

/// The words of a parameter declared as a list of enum words.
fn list_words_of(param: &Parameter) -> Option<Vec<String>> {
    let Some(RefOr::T(Schema::Array(array))) = &param.schema else {
        return None;
    };
    let ArrayItems::RefOrSchema(items) = &array.items else {
        return None;
    };
    let RefOr::T(Schema::Object(object)) = items.as_ref() else {
        return None;
    };
    let words = object.enum_values.as_ref()?.iter();
    Some(
        words
            .filter_map(|word| word.as_str().map(str::to_owned))
            .collect(),
    )
}

impl Bounds {
    /// The bounds of an integer parameter that declares all three.
    fn of(param: &Parameter) -> Option<Bounds> {
        let Some(RefOr::T(Schema::Object(object))) = &param.schema else {
            return None;
        };
        let whole = |number: &utoipa::Number| match *number {
            utoipa::Number::Int(n) => u32::try_from(n).ok(),
            utoipa::Number::UInt(n) => u32::try_from(n).ok(),
            utoipa::Number::Float(_) => None,
        };
        Some(Bounds {
            min: whole(object.minimum.as_ref()?)?,
            max: whole(object.maximum.as_ref()?)?,
            default: u32::try_from(object.default.as_ref()?.as_u64()?).ok()?,
        })
    }
}

/// An endpoint's query parameters, read from the query string as sent.
pub trait FromQuery: Sized {
    /// What the endpoint accepts, read once from its declaration.
    fn declared() -> &'static Declared;

    /// Reads the parameters; unknown names are refused before.
    fn read(query: &RawQuery, declared: &Declared) -> Result<Self, ApiError>;
}

/// The extractor of an endpoint's parameters `T`, with the query as sent (for page links).
#[derive(Debug)]
pub struct Params<T> {
    /// The checked parameters.
    pub params: T,
    /// The query string's pairs.
    pub raw: RawQuery,
}

impl<T: FromQuery> Params<T> {
    /// Parses and checks `query_string` against `T`'s declaration.
    pub fn parse(query_string: &str) -> Result<Params<T>, ApiError> {
        let raw = RawQuery::parse(query_string)?;
        let declared = T::declared();
        declared.reject_unknown(&raw)?;
        let params = T::read(&raw, declared)?;
        Ok(Params { params, raw })
    }
}

impl<T: FromQuery> FromRequest for Params<T> {
    type Error = ApiError;
    type Future = Ready<Result<Params<T>, ApiError>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Params::parse(request.query_string()))
    }
}
