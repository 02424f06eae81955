//! `Cache-Control` for shared responses: the configured directives, with `max-age` lowered
//! when a scheduled post goes live (or one expires) sooner, so no cache serves a list that
//! misses it.

/// The default directives: fresh for a minute, then served stale while revalidating.
pub const DEFAULT_CACHE_CONTROL: &str = "public, max-age=60, stale-while-revalidate=300";

use actix_web::http::header::HeaderValue;

/// The configured `Cache-Control` and the `max-age` in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachePolicy {
    directives: String,
    max_age: Option<u64>,
    /// The directives as a header value, made once.
    uncapped: HeaderValue,
}

impl CachePolicy {
    /// Reads the directives as configured; `max-age` is found case-insensitively.
    pub fn parse(directives: &str) -> CachePolicy {
        let max_age = directives.split(',').find_map(|directive| {
            let (name, value) = directive.trim().split_once('=')?;
            name.trim()
                .eq_ignore_ascii_case("max-age")
                .then(|| value.trim().trim_matches('"').parse().ok())
                .flatten()
        });
        let directives = directives.trim().to_owned();
        let uncapped = HeaderValue::from_str(&directives).unwrap_or_else(|_| {
            log::warn!(
                "the Cache-Control directives `{}` are not a valid header value; using `{DEFAULT_CACHE_CONTROL}`",
                directives.escape_debug()
            );
            HeaderValue::from_static(DEFAULT_CACHE_CONTROL)
        });
        CachePolicy {
            directives,
            max_age,
            uncapped,
        }
    }

    /// [`CachePolicy::header_value`] as a header value; without a cap it is made once.
    pub fn header(&self, seconds_until_change: Option<u64>) -> HeaderValue {
        match (self.max_age, seconds_until_change) {
            (Some(max_age), Some(seconds)) if seconds < max_age => {
                HeaderValue::from_str(&self.header_value(seconds_until_change))
                    .unwrap_or_else(|_| self.uncapped.clone())
            }
            _ => self.uncapped.clone(),
        }
    }

    /// The header value when the content next changes in `seconds_until_change` seconds (if
    /// it ever does): the configured directives with `max-age` lowered to that many seconds.
    pub fn header_value(&self, seconds_until_change: Option<u64>) -> String {
        match (self.max_age, seconds_until_change) {
            (Some(max_age), Some(seconds)) if seconds < max_age => self
                .directives
                .split(',')
                .map(|directive| {
                    let name = directive.split('=').next().unwrap_or_default().trim();
                    if name.eq_ignore_ascii_case("max-age") {
                        format!("max-age={seconds}")
                    } else {
                        directive.trim().to_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join(", "),
            _ => self.directives.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_age_is_capped_only_when_the_change_comes_sooner() {
        let policy = CachePolicy::parse(DEFAULT_CACHE_CONTROL);
        assert_eq!(policy.header_value(None), DEFAULT_CACHE_CONTROL);
        assert_eq!(policy.header_value(Some(600)), DEFAULT_CACHE_CONTROL);
        assert_eq!(
            policy.header_value(Some(30)),
            "public, max-age=30, stale-while-revalidate=300"
        );
    }

    #[test]
    fn directives_without_max_age_are_left_alone() {
        let policy = CachePolicy::parse("no-cache");
        assert_eq!(policy.header_value(Some(1)), "no-cache");
    }
}
