//! Dates as providers send them, read one way.
//!
//! Providers send RFC 3339 with or without a fraction of a second
//! (`2026-12-01T06:19:11Z`, `2026-12-01T06:19:11.150Z`, `…+02:00`), a date
//! and time without a zone (older Gcore objects: `2026-02-04T06:19:11`),
//! or a date only. A time without a zone is taken as UTC: the providers
//! run their APIs in UTC and none documents another zone (the README says
//! so too). People see `2026-12-01 06:19 UTC`, or the date alone when the
//! provider gave only a date; JSON gets RFC 3339 in UTC. Sorting is by
//! instant, never by text: `…T06:19:11.150Z` sorts after `…T06:19:11Z`
//! as text would not guarantee across forms.

use std::cmp::Ordering;

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// A provider's time: an instant, or a day when only a date was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    /// A date and time (in UTC when the provider gave no zone).
    Instant(OffsetDateTime),
    /// A date without a time.
    Day(Date),
}

impl When {
    /// Reads RFC 3339 (any offset, any fraction), a date and time without
    /// a zone (taken as UTC; `T` or a space between), or `YYYY-MM-DD`.
    /// Surrounding white space is ignored; anything else is `None`.
    pub fn parse(text: &str) -> Option<When> {
        let text = text.trim();
        if let Ok(instant) = OffsetDateTime::parse(text, &Rfc3339) {
            return Some(When::Instant(instant));
        }
        if text.len() == 10 {
            let day = format_description!("[year]-[month]-[day]");
            return Date::parse(text, &day).ok().map(When::Day);
        }
        let local = format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]"
        );
        let text = text.replacen(' ', "T", 1);
        PrimitiveDateTime::parse(&text, &local)
            .ok()
            .map(|time| When::Instant(time.assume_utc()))
    }

    /// The instant this stands for; a day stands for its start in UTC.
    pub fn instant(self) -> OffsetDateTime {
        match self {
            When::Instant(instant) => instant,
            When::Day(day) => day.midnight().assume_utc(),
        }
    }

    /// For people: `2026-12-01 06:19 UTC`, or `2026-12-01` for a day.
    pub fn human(self) -> String {
        match self {
            When::Instant(instant) => {
                let utc = instant.to_offset(UtcOffset::UTC);
                format!("{} {:02}:{:02} UTC", utc.date(), utc.hour(), utc.minute())
            }
            When::Day(day) => day.to_string(),
        }
    }

    /// For machines: RFC 3339 in UTC (`2026-12-01T06:19:11.15Z`), or the
    /// RFC 3339 `full-date` for a day (`2026-12-01`).
    pub fn rfc3339(self) -> String {
        match self {
            When::Instant(instant) => instant
                .to_offset(UtcOffset::UTC)
                .format(&Rfc3339)
                // Only years outside 0..=9999 fail; the ISO form then.
                .unwrap_or_else(|_| instant.to_string()),
            When::Day(day) => day.to_string(),
        }
    }
}

impl Ord for When {
    /// By instant; a day before a time on that day at midnight.
    fn cmp(&self, other: &Self) -> Ordering {
        let rank = |when: &When| matches!(when, When::Instant(_));
        self.instant()
            .cmp(&other.instant())
            .then_with(|| rank(self).cmp(&rank(other)))
    }
}

impl PartialOrd for When {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The instant `text` stands for (see [`When::parse`]).
pub fn instant(text: &str) -> Option<OffsetDateTime> {
    When::parse(text).map(When::instant)
}

/// `text` for people (see [`When::human`]); a form Keyfleet cannot read
/// is shown as the provider sent it.
pub fn human(text: &str) -> String {
    When::parse(text).map_or_else(|| text.to_string(), When::human)
}

/// `text` as RFC 3339 in UTC (see [`When::rfc3339`]); a form Keyfleet
/// cannot read is kept as the provider sent it.
pub fn rfc3339(text: &str) -> String {
    When::parse(text).map_or_else(|| text.to_string(), When::rfc3339)
}

/// Orders two provider times by instant: missing first, then readable ones
/// by instant, then unreadable ones by text.
pub fn compare(a: Option<&str>, b: Option<&str>) -> Ordering {
    let (a, b) = match (a, b) {
        (Some(a), Some(b)) => (a, b),
        (a, b) => return a.is_some().cmp(&b.is_some()),
    };
    // Same zone-less or UTC form (one provider, one account): the text
    // orders like the instant, and sorting ten thousand keys parses none.
    if same_utc_form(a, b) {
        return a.cmp(b);
    }
    match (When::parse(a), When::parse(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.cmp(b),
    }
}

/// Both `YYYY-MM-DDThh:mm:ss[.fff]Z` with the same number of characters
/// (so the same fraction length): text order is time order.
fn same_utc_form(a: &str, b: &str) -> bool {
    let shaped = |text: &str| {
        let bytes = text.as_bytes();
        bytes.len() >= 20
            && bytes.ends_with(b"Z")
            && bytes[4] == b'-'
            && bytes[7] == b'-'
            && bytes[10] == b'T'
            && bytes[13] == b':'
            && bytes[16] == b':'
            && text.is_ascii()
    };
    a.len() == b.len() && shaped(a) && shaped(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn each_form_a_provider_sends_is_read() {
        let cases = [
            ("2026-12-01T06:19:11Z", datetime!(2026-12-01 06:19:11 UTC)),
            (
                "2026-12-01T06:19:11.150Z",
                datetime!(2026-12-01 06:19:11.150 UTC),
            ),
            (
                "2026-12-01T08:19:11+02:00",
                datetime!(2026-12-01 06:19:11 UTC),
            ),
            (
                "2026-12-01T06:19:11.123456+00:00",
                datetime!(2026-12-01 06:19:11.123456 UTC),
            ),
            ("2026-02-04T06:19:11", datetime!(2026-02-04 06:19:11 UTC)),
            (
                "2026-02-04T06:19:11.5",
                datetime!(2026-02-04 06:19:11.5 UTC),
            ),
            ("2026-02-04 06:19:11", datetime!(2026-02-04 06:19:11 UTC)),
            (
                " 2026-12-01T06:19:11Z\n",
                datetime!(2026-12-01 06:19:11 UTC),
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(When::parse(text), Some(When::Instant(expected)), "{text}");
        }
        assert_eq!(
            When::parse("2026-12-01"),
            Some(When::Day(date!(2026 - 12 - 01)))
        );
        for bad in [
            "",
            "yesterday",
            "2026-13-01",
            "2026-12-01T25:00:00Z",
            "01/12/2026",
            "2026-12-01T06:19",
            "1764569951",
        ] {
            assert_eq!(When::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn people_see_one_form_and_machines_rfc3339_in_utc() {
        for text in [
            "2026-12-01T06:19:11Z",
            "2026-12-01T06:19:11.150Z",
            "2026-12-01T07:19:11+01:00",
            "2026-12-01T06:19:11",
        ] {
            assert_eq!(human(text), "2026-12-01 06:19 UTC", "{text}");
        }
        assert_eq!(human("2026-12-01"), "2026-12-01");
        assert_eq!(human("not a date"), "not a date");
        assert_eq!(rfc3339("2026-12-01T07:19:11+01:00"), "2026-12-01T06:19:11Z");
        assert_eq!(rfc3339("2026-02-04T06:19:11"), "2026-02-04T06:19:11Z");
        assert_eq!(
            rfc3339("2026-12-01T06:19:11.150Z"),
            "2026-12-01T06:19:11.15Z"
        );
        assert_eq!(rfc3339("2026-12-01"), "2026-12-01");
        assert_eq!(rfc3339("soon"), "soon");
    }

    #[test]
    fn sorting_is_by_instant_across_forms() {
        // As text, half of these pairs sort the other way round.
        let pairs = [
            ("2026-12-01T06:19:11Z", "2026-12-01T06:19:11.150Z"),
            ("2026-12-01T06:19:11.9Z", "2026-12-01T06:19:12Z"),
            ("2026-12-01T07:00:00+02:00", "2026-12-01T06:00:00Z"),
            ("2026-12-01T06:19:11", "2026-12-01T06:19:11.5Z"),
            ("2026-12-01", "2026-11-30T23:00:00-02:00"),
            ("2026-12-01T06:19:11.150Z", "2026-12-01T06:19:11.2Z"),
        ];
        for (earlier, later) in pairs {
            assert_eq!(
                compare(Some(earlier), Some(later)),
                Ordering::Less,
                "{earlier} < {later}"
            );
            assert_eq!(
                compare(Some(later), Some(earlier)),
                Ordering::Greater,
                "{later} > {earlier}"
            );
        }
        let mut texts = vec![
            Some("garbage"),
            Some("2026-12-01T06:19:11.150Z"),
            None,
            Some("2026-02-04T06:19:11"),
            Some("2026-12-01T06:19:11Z"),
            Some("2025-01-01"),
        ];
        texts.sort_by(|a, b| compare(*a, *b));
        assert_eq!(
            texts,
            [
                None,
                Some("2025-01-01"),
                Some("2026-02-04T06:19:11"),
                Some("2026-12-01T06:19:11Z"),
                Some("2026-12-01T06:19:11.150Z"),
                Some("garbage"),
            ]
        );
    }

    #[test]
    fn the_fast_path_agrees_with_parsing() {
        let a = "2026-12-01T06:19:11.150Z";
        let b = "2026-12-01T06:19:11.149Z";
        assert!(same_utc_form(a, b));
        assert_eq!(
            compare(Some(a), Some(b)),
            When::parse(a).cmp(&When::parse(b))
        );
        assert!(!same_utc_form("2026-12-01T06:19:11Z", a));
        assert!(!same_utc_form(
            "2026-12-01T06:19:11+00:00",
            "2026-12-01T06:19:11+01:00"
        ));
    }
}
