//! Swagger UI's files and the OpenAPI document they show, served as prepared responses: the
//! response layer keeps each like any content, compressed once per coding (the UI's bundle
//! is 1.5 MB of JavaScript), with an `ETag`, `Cache-Control` and 304s on revalidation.

use std::borrow::Cow;
use std::io::Read;
use std::sync::Arc;

use actix_web::http::header::HeaderValue;
use actix_web::web::{self, Bytes, ServiceConfig};
use utoipa::openapi::OpenApi;
use utoipa_swagger_ui::{Config, SwaggerFile};

use super::prepared::{Prepared, to_json};
use crate::error::ApiError;

/// Where the OpenAPI document is served, and where Swagger UI reads it.
pub const DOCUMENT_PATH: &str = "/api-docs/openapi.json";

/// The OpenAPI document as JSON, serialized once, and Swagger UI's configuration.
pub struct ApiDocs {
    document: Bytes,
    config: Arc<Config<'static>>,
}

impl ApiDocs {
    /// The docs for `document`; a document that cannot be serialized (a bug) is logged and
    /// served as a 500.
    pub fn new(document: &OpenApi) -> ApiDocs {
        ApiDocs {
            document: to_json(document).map(Bytes::from).unwrap_or_default(),
            config: Arc::new(Config::new([DOCUMENT_PATH])),
        }
    }
}

/// Registers `/swagger-ui/...` and the document's path, for GET (and so HEAD) only.
pub fn routes(docs: web::Data<ApiDocs>) -> impl FnOnce(&mut ServiceConfig) {
    move |config| {
        config
            .app_data(docs)
            .route(DOCUMENT_PATH, web::get().to(document))
            .route("/swagger-ui/{file:.*}", web::get().to(ui_file));
    }
}

/// The OpenAPI document.
async fn document(docs: web::Data<ApiDocs>) -> Result<Prepared, ApiError> {
    if docs.document.is_empty() {
        return Err(ApiError::Internal);
    }
    Ok(Prepared::json_bytes(docs.document.clone()))
}

/// One of Swagger UI's files; its page (`index.html`) for the folder itself.
async fn ui_file(file: web::Path<String>, docs: web::Data<ApiDocs>) -> Result<Prepared, ApiError> {
    match utoipa_swagger_ui::serve(&file, Arc::clone(&docs.config)) {
        Ok(Some(found)) => prepare(found),
        Ok(None) => Err(ApiError::not_found(format!(
            "there is nothing at /swagger-ui/{}; see /swagger-ui/ for the API",
            file.as_str()
        ))),
        Err(err) => {
            log::error!(
                "Swagger UI's file `{}` cannot be made: {err}",
                file.as_str()
            );
            Err(ApiError::Internal)
        }
    }
}

/// A Swagger UI file as a prepared response, its body as the UI ships it.
fn prepare(file: SwaggerFile<'static>) -> Result<Prepared, ApiError> {
    let content_type = HeaderValue::from_str(&file.content_type).map_err(|_| {
        log::error!(
            "Swagger UI's content type `{}` is not a header",
            file.content_type
        );
        ApiError::Internal
    })?;
    let bytes = match file.bytes {
        Cow::Borrowed(bytes) => Bytes::from_static(bytes),
        Cow::Owned(bytes) => Bytes::from(bytes),
    };
    // Stored gzipped when utoipa-swagger-ui is built so; the layer compresses it anew.
    let body = if file.gzpipped {
        let mut body = Vec::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_end(&mut body)
            .map_err(|err| {
                log::error!("a Swagger UI file does not unzip: {err}");
                ApiError::Internal
            })?;
        Bytes::from(body)
    } else {
        bytes
    };
    Ok(Prepared::of_type(content_type, body))
}
