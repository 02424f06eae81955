//! `Cache-Control` for shared responses: the configured directives, with `max-age` lowered
//! when a scheduled post goes live (or one expires) sooner, so no cache serves a list that
//! misses it.

/// The default directives: fresh for a minute, then served stale while revalidating.
pub const DEFAULT_CACHE_CONTROL: &str = "public, max-age=60, stale-while-revalidate=300";

/// The configured `Cache-Control` and the `max-age` in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachePolicy {
    directives: String,
    max_age: Option<u64>,
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
        CachePolicy {
            directives: directives.trim().to_owned(),
            max_age,
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
