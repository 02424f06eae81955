//! Preview: with `--preview-token` set, `Authorization: Bearer <token>` lets an editor read
//! drafts and scheduled posts. The token is compared in constant time and never printed; a
//! request with `Authorization` never touches the shared response cache and its response is
//! marked `private, no-store` (`http::respond`).

use std::fmt;
use std::sync::Arc;

use actix_web::HttpRequest;
use actix_web::http::header;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use utoipa::IntoParams;

use crate::secret::Secret;

/// The configured preview token, kept only as its SHA-256 digest; no token means preview is off.
#[derive(Clone, Default)]
pub struct PreviewToken(Option<Arc<[u8; 32]>>);

impl fmt::Debug for PreviewToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = if self.0.is_some() { "on" } else { "off" };
        write!(f, "PreviewToken({state})")
    }
}

impl PreviewToken {
    /// Preview with `token`, or off when it is `None` or empty.
    pub fn new(token: Option<&Secret>) -> PreviewToken {
        PreviewToken(
            token
                .filter(|token| !token.expose().is_empty())
                .map(|token| Arc::new(digest(token.expose().as_bytes()))),
        )
    }

    /// Whether the request carries `Authorization: Bearer <the token>`. Both sides are hashed
    /// first, so the comparison takes the same time whatever the length or content sent.
    pub fn admits(&self, request: &HttpRequest) -> bool {
        let Some(expected) = &self.0 else {
            return false;
        };
        let Some(given) = PreviewHeaders::of(request)
            .authorization
            .and_then(|value| value.strip_prefix("Bearer "))
        else {
            return false;
        };
        bool::from(digest(given.trim().as_bytes()).ct_eq(expected.as_ref()))
    }
}

/// The header of a request that may preview, declared as a parameter as well as by the
/// `previewToken` security scheme: Swagger UI fills it from its Authorize button, while
/// generated clients (which do not type security schemes) get it as a typed header.
/// [`PreviewToken::admits`] reads the header through this type, so what is declared is what
/// is read.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Header)]
pub struct PreviewHeaders<'a> {
    /// `Bearer <preview token>` (see `--preview-token`): drafts, scheduled and expired posts
    /// are served too. Without it, or with any other value, only published posts are (a 401
    /// only for `preview=true`).
    #[param(rename = "Authorization", nullable = false, value_type = Option<String>)]
    authorization: Option<&'a str>,
}

impl PreviewHeaders<'_> {
    /// The declared headers as `request` carries them; a value that is not visible ASCII
    /// counts as absent.
    fn of(request: &HttpRequest) -> PreviewHeaders<'_> {
        PreviewHeaders {
            authorization: request
                .headers()
                .get(header::AUTHORIZATION)
                .and_then(|value| value.to_str().ok()),
        }
    }
}

fn digest(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn only_the_exact_bearer_token_is_admitted() {
        let token = PreviewToken::new(Some(&Secret::from("s3cret".to_owned())));
        let with = |value: &str| {
            TestRequest::default()
                .insert_header((header::AUTHORIZATION, value))
                .to_http_request()
        };
        assert!(token.admits(&with("Bearer s3cret")));
        for wrong in [
            "Bearer s3cre",
            "Bearer s3cret!",
            "Basic s3cret",
            "s3cret",
            "Bearer ",
        ] {
            assert!(!token.admits(&with(wrong)), "{wrong}");
        }
        assert!(!token.admits(&TestRequest::default().to_http_request()));
        assert!(!PreviewToken::new(None).admits(&with("Bearer s3cret")));
        assert!(!PreviewToken::new(Some(&Secret::from(String::new()))).admits(&with("Bearer ")));
        assert_eq!(format!("{token:?}"), "PreviewToken(on)");
    }
}
