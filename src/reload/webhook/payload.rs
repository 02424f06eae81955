//! What the webhook receives, and its declaration in the OpenAPI document's `webhooks`: the
//! signed JSON body (the public reload report with a delivery id, a timestamp and the
//! generations it stands for) and the headers that repeat or sign it.

use serde::Serialize;
use utoipa::openapi::path::{HttpMethod, Operation, Parameter, ParameterIn, PathItem, Paths};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{Object, Type};
use utoipa::openapi::{Content, OpenApi, Ref, RefOr, Required, ResponseBuilder};
use utoipa::{PartialSchema, ToSchema};

use super::{DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, WEBHOOK_NAME};
use crate::reload::{GenerationRange, ReloadReport};

/// The body POSTed to the webhook: the reload report, plus what a receiver needs to drop
/// duplicates (`deliveryId`, the same on every retry of one report) and replays (`timestamp`,
/// new on each attempt). Both are inside the signed body, so neither can be changed unnoticed.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({
    "deliveryId": "5f0c3a9e-2b7d-4c1e-9a63-0d8e4f2b1c7a",
    "timestamp": "2026-01-01T00:00:01Z",
    "generation": 8,
    "created": ["new-post"],
    "updated": ["edited-post"],
    "deleted": [],
    "at": "2026-01-01T00:00:00Z",
    "coalesced": null,
    "missed": null
}))]
pub struct WebhookPayload {
    /// Identifies the report: every retry of one report carries the same id, and no two
    /// reports share one (even across restarts, when `generation` starts again). Drop a
    /// delivery whose id you have already handled. A random version 4 UUID.
    #[schema(pattern = "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")]
    pub delivery_id: String,
    /// When this attempt was sent, RFC 3339 (retries carry a later one). Reject a delivery
    /// whose timestamp is older than a few minutes: it is a replay.
    #[schema(format = DateTime)]
    pub timestamp: String,
    /// What the reload changed.
    #[serde(flatten)]
    pub report: ReloadReport,
    /// The reloads this one delivery stands for, when the receiver was too slow to be sent
    /// them one by one (`generation` is the last): `created`, `updated` and `deleted` are
    /// their net effect, so nothing is lost (a post created and deleted again in between is
    /// listed as deleted). `null` when the delivery is one reload.
    #[schema(required = true)]
    pub coalesced: Option<GenerationRange>,
    /// The generations of reports Quire dropped before it could merge them (it fell far
    /// behind): the lists may not name every post they changed, so refetch everything.
    /// `null` when nothing was dropped.
    #[schema(required = true)]
    pub missed: Option<GenerationRange>,
}

/// Declares the webhook in the OpenAPI document's `webhooks` (OpenAPI 3.1): the request Quire
/// sends, its headers, and what the receiver's answer means.
pub fn declare(document: &mut OpenApi) {
    let components = document.components.get_or_insert_with(Default::default);
    for (name, schema) in [
        (WebhookPayload::name(), WebhookPayload::schema()),
        (ReloadReport::name(), ReloadReport::schema()),
        (GenerationRange::name(), GenerationRange::schema()),
    ] {
        components.schemas.insert(name.into_owned(), schema);
    }
    let header = |name: &str, description: &str, required: Required| {
        let mut parameter = Parameter::new(name);
        parameter.parameter_in = ParameterIn::Header;
        parameter.required = required;
        parameter.description = Some(description.to_owned());
        parameter.schema = Some(Object::with_type(Type::String).into());
        RefOr::T(parameter)
    };
    let mut operation = Operation::new();
    operation.summary = Some("What a content reload changed, POSTed to `--webhook-url`.".into());
    operation.description = Some(
        "Sent after each reload that changed posts, as JSON. To trust a delivery: check \
         `X-Quire-Signature` (HMAC-SHA256 of the raw body under `--webhook-secret`), then drop \
         it if its `deliveryId` was handled already (retries repeat it) or its `timestamp` is \
         more than a few minutes old (a replay). Any 2xx answer acknowledges it; anything else, \
         or no answer within 10 s, is retried up to 3 more times (after 0.25, 0.5 and 1 s). \
         Deliveries are sent one at a time, in order; reloads that happen meanwhile are merged \
         into the next delivery, whose `coalesced` names the generations it stands for."
            .into(),
    );
    operation.tags = Some(vec!["events".to_owned()]);
    operation.operation_id = Some("reload_webhook".to_owned());
    operation.parameters = Some(vec![
        header(
            SIGNATURE_HEADER,
            "`sha256=<hex HMAC-SHA256 of the body>`; only with `--webhook-secret`.",
            Required::False,
        ),
        header(
            DELIVERY_HEADER,
            "The body's `deliveryId`, the same on every retry.",
            Required::True,
        ),
        header(
            TIMESTAMP_HEADER,
            "The body's `timestamp`: when this attempt was sent.",
            Required::True,
        ),
    ]);
    operation.request_body = Some(RefOr::T(
        RequestBodyBuilder::new()
            .required(Some(Required::True))
            .content(
                "application/json",
                Content::new(Some(Ref::from_schema_name(WebhookPayload::name()))),
            )
            .build(),
    ));
    operation.responses.responses.insert(
        "2XX".to_owned(),
        ResponseBuilder::new()
            .description("Received; the body of the answer is ignored.")
            .into(),
    );
    operation.responses.responses.insert(
        "default".to_owned(),
        ResponseBuilder::new()
            .description("Any other answer (or none) makes Quire retry.")
            .into(),
    );
    let webhooks = document.webhooks.get_or_insert_with(Paths::new);
    webhooks.paths.insert(
        WEBHOOK_NAME.to_owned(),
        PathItem::new(HttpMethod::Post, operation),
    );
}
