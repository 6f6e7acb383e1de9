//! A key's usage as the key page shows it: two bar charts (the last 24 hours, the last 30
//! days) drawn as SVG on the server — no script — each with the table of its numbers.

use chrono::NaiveDateTime;

use super::Chrome;
use crate::auth::key_usage::{self, Counts, Outcome, Period};

/// Width and height of the drawing (its viewBox); the page scales it.
const WIDTH: f32 = 480.0;
const BARS_HEIGHT: f32 = 100.0;

/// One bar: the uses (bottom) and the refusals (on top) of one hour or day.
pub struct Bar {
    pub x: f32,
    pub width: f32,
    pub ok_y: f32,
    pub ok_height: f32,
    pub refused_y: f32,
    pub refused_height: f32,
    pub label: String,
    pub ok: i64,
    pub refused: i64,
    /// Refusals by reason: (catalog key, count), those with any only.
    pub reasons: Vec<(&'static str, i64)>,
}

pub struct Chart {
    /// Catalog key of its caption.
    pub title: &'static str,
    pub id: &'static str,
    pub bars: Vec<Bar>,
    /// The top of the scale.
    pub max: i64,
    pub total_ok: i64,
    pub total_refused: i64,
    pub first: String,
    pub last: String,
}

fn chart(c: &Chrome, series: &[(i64, Counts)], now: NaiveDateTime, per: Period) -> Chart {
    let buckets = key_usage::buckets(series, now, per);
    let refused = |counts: &Counts| counts[1..].iter().sum::<i64>();
    let max = buckets
        .iter()
        .map(|(_, n)| n[0] + refused(n))
        .max()
        .unwrap_or(0)
        .max(1);
    let slot = WIDTH / buckets.len() as f32;
    let label = |start: i64| {
        let at = chrono::DateTime::from_timestamp(start, 0)
            .unwrap_or_default()
            .naive_utc();
        match per {
            Period::Hour => at.format("%H:00").to_string(),
            Period::Day => c.date(&at),
        }
    };
    let bars: Vec<Bar> = buckets
        .iter()
        .enumerate()
        .map(|(i, (start, n))| {
            let scale = |v: i64| v as f32 / max as f32 * BARS_HEIGHT;
            let (ok_height, refused_height) = (scale(n[0]), scale(refused(n)));
            Bar {
                x: i as f32 * slot + 1.0,
                width: (slot - 2.0).max(1.0),
                ok_y: BARS_HEIGHT - ok_height,
                ok_height,
                refused_y: BARS_HEIGHT - ok_height - refused_height,
                refused_height,
                label: label(*start),
                ok: n[0],
                refused: refused(n),
                reasons: Outcome::ALL[1..]
                    .iter()
                    .zip(&n[1..])
                    .filter(|(_, count)| **count > 0)
                    .map(|(o, count)| (o.label_key(), *count))
                    .collect(),
            }
        })
        .collect();
    Chart {
        title: match per {
            Period::Hour => "usage.last_day",
            Period::Day => "usage.last_month",
        },
        id: match per {
            Period::Hour => "usage-hours",
            Period::Day => "usage-days",
        },
        max,
        total_ok: bars.iter().map(|b| b.ok).sum(),
        total_refused: bars.iter().map(|b| b.refused).sum(),
        first: bars.first().map(|b| b.label.clone()).unwrap_or_default(),
        last: bars.last().map(|b| b.label.clone()).unwrap_or_default(),
        bars,
    }
}

/// The key page's two charts from its series of the last 30 days.
pub fn charts(c: &Chrome, series: &[(i64, Counts)], now: NaiveDateTime) -> Vec<Chart> {
    vec![
        chart(c, series, now, Period::Hour),
        chart(c, series, now, Period::Day),
    ]
}
