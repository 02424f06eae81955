//! `/api/v1/archive`: published posts counted by year and month, each month linking to its
//! filtered post list.

use actix_web::{get, web};

use crate::error::ApiError;
use crate::http::Prepared;
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use crate::archive::{self, ArchiveYear};

/// One month of the archive.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"month": 2, "count": 3, "posts": "/api/v1/posts?from=2025-02-01&to=2025-02-28"}))]
pub struct ArchiveMonthResponse {
    /// The month, 1 to 12.
    pub month: i8,
    /// Published posts that month.
    pub count: usize,
    /// The post list filtered to this month.
    pub posts: String,
}

/// One year of the archive.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ArchiveYearResponse {
    /// The year.
    pub year: i16,
    /// Published posts that year.
    pub count: usize,
    /// Months with posts, newest first.
    pub months: Vec<ArchiveMonthResponse>,
}

/// The archive, newest year first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ArchiveResponse {
    /// Years with published posts, newest first.
    pub data: Vec<ArchiveYearResponse>,
}

impl From<&ArchiveYear> for ArchiveYearResponse {
    fn from(year: &ArchiveYear) -> ArchiveYearResponse {
        ArchiveYearResponse {
            year: year.year,
            count: year.count,
            months: year
                .months
                .iter()
                .map(|m| ArchiveMonthResponse {
                    month: m.month,
                    count: m.count,
                    posts: format!(
                        "/api/v1/posts?from={y:04}-{mo:02}-01&to={y:04}-{mo:02}-{d:02}",
                        y = year.year,
                        mo = m.month,
                        d = m.last_day
                    ),
                })
                .collect(),
        }
    }
}

/// Published posts counted by year and month (UTC), newest first.
#[utoipa::path(tag = "posts", responses(
    (status = 200, description = "Years and months with published posts, newest first, each month with a link to its posts.", body = ArchiveResponse),
))]
#[get("/archive")]
pub async fn get_archive(state: web::Data<AppState>) -> Result<Prepared, ApiError> {
    let store = state.store.load();
    let now = state.clock.now();
    let years = archive::archive(&store, now);
    Ok(Prepared::json(&ArchiveResponse {
        data: years.iter().map(ArchiveYearResponse::from).collect(),
    })?
    .modified(store.content_modified(now)))
}
