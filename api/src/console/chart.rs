//! Charts drawn as SVG on the server: no script, no library, readable by
//! screen readers (a title and a table-like description).

use std::fmt::Write;

use entity::stats::DayFigures;

/// A stacked bar chart of orders per day (city below, village above), with
/// the day's GMV in each bar's tooltip.
pub fn orders_per_day(title: &str, days: &[DayFigures]) -> String {
    const W: f64 = 720.0;
    const H: f64 = 220.0;
    const PAD: f64 = 28.0;
    let max = days
        .iter()
        .map(|d| d.orders_delivered)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let n = days.len().max(1) as f64;
    let step = (W - 2.0 * PAD) / n;
    let bar = (step * 0.7).max(1.0);
    let scale = (H - 2.0 * PAD) / max;
    let total: i64 = days.iter().map(|d| d.orders_delivered).sum();
    let gmv: i64 = days.iter().map(|d| d.gmv_fen).sum();
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg id="orders-chart" class="chart" viewBox="0 0 {W} {H}" role="img" aria-labelledby="orders-chart-title" data-total-orders="{total}" data-total-gmv-fen="{gmv}" xmlns="http://www.w3.org/2000/svg"><title id="orders-chart-title">{}</title>"#,
        escape(title)
    );
    let _ = write!(
        svg,
        r##"<line x1="{PAD}" y1="{y}" x2="{x2}" y2="{y}" stroke="#999"/>"##,
        y = H - PAD,
        x2 = W - PAD
    );
    let _ = write!(
        svg,
        r##"<text x="{PAD}" y="{y}" font-size="11" fill="#555">{}</text>"##,
        max as i64,
        y = PAD - 8.0
    );
    for (i, d) in days.iter().enumerate() {
        let x = PAD + step * i as f64 + (step - bar) / 2.0;
        let city_h = d.city_orders as f64 * scale;
        let village_h = d.village_orders as f64 * scale;
        let base = H - PAD;
        let day = d.day.map(|d| d.to_string()).unwrap_or_default();
        let _ = write!(
            svg,
            r##"<g class="day" data-day="{day}" data-orders="{o}"><title>{day}: {o} ({c} / {v}), ¥{g}</title><rect class="bar city" x="{x:.1}" y="{cy:.1}" width="{bar:.1}" height="{city_h:.1}" fill="#2b7bb9"/><rect class="bar village" x="{x:.1}" y="{vy:.1}" width="{bar:.1}" height="{village_h:.1}" fill="#6ab04c"/></g>"##,
            o = d.orders_delivered,
            c = d.city_orders,
            v = d.village_orders,
            g = crate::csv::yuan(d.gmv_fen),
            cy = base - city_h,
            vy = base - city_h - village_h,
        );
        let last = i + 1 == days.len();
        if days.len() <= 31 && (i % 7 == 0 || (last && i % 7 >= 3)) {
            let label = d
                .day
                .map(|d| d.format("%m-%d").to_string())
                .unwrap_or_default();
            let _ = write!(
                svg,
                r##"<text x="{x:.1}" y="{y}" font-size="10" fill="#555">{label}</text>"##,
                y = H - 8.0
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn the_chart_carries_its_totals_and_one_group_per_day() {
        let days: Vec<DayFigures> = (1..=3)
            .map(|d| DayFigures {
                day: NaiveDate::from_ymd_opt(2026, 11, d),
                orders_delivered: i64::from(d),
                city_orders: i64::from(d),
                gmv_fen: 1_000,
                ..DayFigures::default()
            })
            .collect();
        let svg = orders_per_day("订单 <每日>", &days);
        assert!(svg.contains(r#"data-total-orders="6""#), "{svg}");
        assert!(svg.contains(r#"data-total-gmv-fen="3000""#));
        assert_eq!(svg.matches(r#"<g class="day""#).count(), 3);
        assert!(svg.contains("订单 &lt;每日&gt;"));
    }
}
