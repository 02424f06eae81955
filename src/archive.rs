//! The archive: published posts counted by year and month, newest first.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::store::Store;

/// Published posts of one year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveYear {
    /// The year (UTC).
    pub year: i16,
    /// Published posts that year.
    pub count: usize,
    /// Months with posts, newest first.
    pub months: Vec<ArchiveMonth>,
}

/// Published posts of one month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveMonth {
    /// The month, 1 to 12.
    pub month: i8,
    /// Published posts that month.
    pub count: usize,
    /// The month's last day, for an inclusive date range.
    pub last_day: i8,
}

/// Counts the posts published at `now` by year and month (UTC), newest first.
pub fn archive(store: &Store, now: Timestamp) -> Vec<ArchiveYear> {
    let mut years: Vec<ArchiveYear> = Vec::new();
    // Posts are newest first, so years and months arrive in order.
    for post in store.all_posts().iter().filter(|p| p.is_published(now)) {
        let date = post.date.to_zoned_datetime(TimeZone::UTC).date();
        if years.last().is_none_or(|y| y.year != date.year()) {
            years.push(ArchiveYear {
                year: date.year(),
                count: 0,
                months: Vec::new(),
            });
        }
        let Some(year) = years.last_mut() else {
            continue;
        };
        year.count += 1;
        if year.months.last().is_none_or(|m| m.month != date.month()) {
            year.months.push(ArchiveMonth {
                month: date.month(),
                count: 0,
                last_day: date.last_of_month().day(),
            });
        }
        if let Some(month) = year.months.last_mut() {
            month.count += 1;
        }
    }
    years
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::{LoadOptions, parse_post};

    #[test]
    fn posts_are_counted_by_year_and_month_newest_first() {
        let post = |slug: &str, date: &str, extra: &str| {
            let text = format!("---\ntitle: {slug}\ndate: {date}\n{extra}\n---\nBody.\n");
            parse_post(
                &format!("{slug}.md"),
                text.as_bytes(),
                LoadOptions::default(),
            )
        };
        let now: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let store = Store::build(
            vec![
                post("a", "2024-02-10", ""),
                post("b", "2024-02-20", ""),
                post("c", "2025-03-01", ""),
                post("d", "2025-03-02", "draft: true"),
                post("e", "2030-01-01", ""),
            ],
            now,
        );
        let years = archive(&store, now);
        assert_eq!(years.len(), 2);
        assert_eq!((years[0].year, years[0].count), (2025, 1));
        assert_eq!(
            years[0].months,
            [ArchiveMonth {
                month: 3,
                count: 1,
                last_day: 31
            }]
        );
        assert_eq!((years[1].year, years[1].count), (2024, 2));
        assert_eq!(
            years[1].months,
            [ArchiveMonth {
                month: 2,
                count: 2,
                last_day: 29
            }]
        );
    }
}
