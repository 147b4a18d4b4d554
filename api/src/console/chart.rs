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

/// Cold-chain batches settled per day: compliant below, breached above.
pub fn cold_chain_per_day(title: &str, days: &[DayFigures]) -> String {
    const W: f64 = 720.0;
    const H: f64 = 140.0;
    const PAD: f64 = 24.0;
    let max = days
        .iter()
        .map(|d| d.cold_batches)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let n = days.len().max(1) as f64;
    let step = (W - 2.0 * PAD) / n;
    let bar = (step * 0.7).max(1.0);
    let scale = (H - 2.0 * PAD) / max;
    let batches: i64 = days.iter().map(|d| d.cold_batches).sum();
    let compliant: i64 = days.iter().map(|d| d.cold_compliant).sum();
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg id="cold-chart" class="chart" viewBox="0 0 {W} {H}" role="img" aria-labelledby="cold-chart-title" data-batches="{batches}" data-compliant="{compliant}" xmlns="http://www.w3.org/2000/svg"><title id="cold-chart-title">{}</title>"#,
        escape(title)
    );
    let _ = write!(
        svg,
        r##"<line x1="{PAD}" y1="{b}" x2="{r}" y2="{b}" stroke="#999"/>"##,
        b = H - PAD,
        r = W - PAD
    );
    for (i, d) in days.iter().enumerate() {
        if d.cold_batches == 0 {
            continue;
        }
        let x = PAD + step * i as f64 + (step - bar) / 2.0;
        let ok_h = d.cold_compliant as f64 * scale;
        let bad_h = (d.cold_batches - d.cold_compliant) as f64 * scale;
        let base = H - PAD;
        let day = d.day.map(|d| d.to_string()).unwrap_or_default();
        let _ = write!(
            svg,
            r##"<g><title>{day}: {} / {}</title><rect x="{x:.1}" y="{:.1}" width="{bar:.1}" height="{ok_h:.1}" fill="#2f855a"/><rect x="{x:.1}" y="{:.1}" width="{bar:.1}" height="{bad_h:.1}" fill="#dc2626"/></g>"##,
            d.cold_compliant,
            d.cold_batches,
            base - ok_h,
            base - ok_h - bad_h,
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A line of GMV per day (yuan), with a point a day.
pub fn gmv_per_day(title: &str, days: &[DayFigures]) -> String {
    const W: f64 = 720.0;
    const H: f64 = 160.0;
    const PAD: f64 = 28.0;
    let max = days.iter().map(|d| d.gmv_fen).max().unwrap_or(0).max(100) as f64;
    let n = days.len().max(2) as f64 - 1.0;
    let x = |i: usize| PAD + i as f64 / n * (W - 2.0 * PAD);
    let y = |fen: i64| H - PAD - fen as f64 / max * (H - 2.0 * PAD);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg id="gmv-chart" class="chart" viewBox="0 0 {W} {H}" role="img" aria-labelledby="gmv-chart-title" xmlns="http://www.w3.org/2000/svg"><title id="gmv-chart-title">{}</title>"#,
        escape(title)
    );
    let points: Vec<String> = days
        .iter()
        .enumerate()
        .map(|(i, d)| format!("{:.1},{:.1}", x(i), y(d.gmv_fen)))
        .collect();
    let _ = write!(
        svg,
        r##"<line x1="{PAD}" y1="{b}" x2="{r}" y2="{b}" stroke="#999"/><polyline fill="none" stroke="#6ab04c" stroke-width="2" points="{}"/>"##,
        points.join(" "),
        b = H - PAD,
        r = W - PAD
    );
    for (i, d) in days.iter().enumerate() {
        let day = d.day.map(|d| d.to_string()).unwrap_or_default();
        let _ = write!(
            svg,
            r##"<circle cx="{:.1}" cy="{:.1}" r="2.5" fill="#6ab04c"><title>{day}: ¥{}</title></circle>"##,
            x(i),
            y(d.gmv_fen),
            crate::csv::yuan(d.gmv_fen)
        );
    }
    let _ = write!(
        svg,
        r##"<text x="{PAD}" y="{t}" font-size="11" fill="#555">¥{}</text></svg>"##,
        crate::csv::yuan(max as i64),
        t = PAD - 8.0
    );
    svg
}

/// A batch's temperatures against its band: the band shaded, the
/// tolerated range dashed, excursions marked in red, one point a reading.
pub fn temperatures(
    title: &str,
    readings: &[(chrono::DateTime<chrono::Utc>, f64)],
    rule: &entity::cold_chain::ClassRule,
    excursions: &[entity::cold_chain::Excursion],
) -> String {
    const W: f64 = 720.0;
    const H: f64 = 200.0;
    const PAD: f64 = 30.0;
    let mut svg = String::new();
    let (Some(first), Some(last)) = (readings.first(), readings.last()) else {
        let _ = write!(
            svg,
            r##"<svg class="chart temps" viewBox="0 0 {W} 40" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg"><text x="10" y="25" font-size="12" fill="#555">—</text></svg>"##,
            escape(title)
        );
        return svg;
    };
    let t0 = first.0;
    let span = (last.0 - t0).num_seconds().max(1) as f64;
    let shown_high = rule.tolerated_high_c.max(rule.high_c) + 2.0;
    let lows = readings.iter().map(|r| r.1).fold(f64::INFINITY, f64::min);
    let highs = readings
        .iter()
        .map(|r| r.1)
        .fold(f64::NEG_INFINITY, f64::max);
    let lo = lows.min(rule.high_c - 6.0).max(rule.low_c).min(lows) - 1.0;
    let hi = highs.max(shown_high);
    let x = |t: chrono::DateTime<chrono::Utc>| {
        PAD + (t - t0).num_seconds() as f64 / span * (W - 2.0 * PAD)
    };
    let y = |c: f64| H - PAD - (c - lo) / (hi - lo).max(1.0) * (H - 2.0 * PAD);
    let _ = write!(
        svg,
        r#"<svg class="chart temps" viewBox="0 0 {W} {H}" role="img" aria-labelledby="t-{id}" data-readings="{n}" data-excursions="{e}" xmlns="http://www.w3.org/2000/svg"><title id="t-{id}">{}</title>"#,
        escape(title),
        id = t0.timestamp(),
        n = readings.len(),
        e = excursions.len(),
    );
    let band_top = y(rule.high_c.min(hi));
    let band_bottom = y(rule.low_c.max(lo));
    let _ = write!(
        svg,
        r##"<rect x="{PAD}" y="{band_top:.1}" width="{w:.1}" height="{h:.1}" fill="#2b7bb922"/><line x1="{PAD}" y1="{ty:.1}" x2="{x2}" y2="{ty:.1}" stroke="#d97706" stroke-dasharray="4 3"/>"##,
        w = W - 2.0 * PAD,
        h = (band_bottom - band_top).max(0.0),
        ty = y(rule.tolerated_high_c.min(hi)),
        x2 = W - PAD,
    );
    for ex in excursions {
        let _ = write!(
            svg,
            r##"<rect class="excursion" x="{a:.1}" y="{PAD}" width="{w:.1}" height="{h}" fill="#dc262622"/>"##,
            a = x(ex.from.max(t0)),
            w = (x(ex.to) - x(ex.from.max(t0))).max(1.0),
            h = H - 2.0 * PAD,
        );
    }
    let points: Vec<String> = readings
        .iter()
        .map(|(t, c)| format!("{:.1},{:.1}", x(*t), y(*c)))
        .collect();
    let _ = write!(
        svg,
        r##"<polyline fill="none" stroke="#1f2933" stroke-width="1.5" points="{}"/>"##,
        points.join(" ")
    );
    let _ = write!(
        svg,
        r##"<text x="2" y="{a:.1}" font-size="10" fill="#555">{hc}°</text><text x="2" y="{b:.1}" font-size="10" fill="#555">{lc:.0}°</text></svg>"##,
        a = band_top + 4.0,
        hc = rule.high_c,
        b = y(lo),
        lc = lo,
    );
    svg
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

    #[test]
    fn temperatures_mark_the_band_and_the_excursions() {
        use chrono::{Duration, TimeZone, Utc};
        let t0 = Utc.with_ymd_and_hms(2026, 11, 23, 1, 30, 0).unwrap();
        let readings: Vec<_> = (0..=60)
            .map(|m| {
                let c = if (10..30).contains(&m) { -16.0 } else { -20.0 };
                (t0 + Duration::minutes(m), c)
            })
            .collect();
        let rule = entity::cold_chain::ClassRule::FROZEN;
        let plain: Vec<entity::cold_chain::Reading> = readings
            .iter()
            .map(|(at, celsius)| entity::cold_chain::Reading {
                at: *at,
                celsius: *celsius,
            })
            .collect();
        let v = entity::cold_chain::judge(&rule, t0, t0 + Duration::hours(1), &plain);
        let svg = temperatures("冷冻", &readings, &rule, &v.excursions);
        assert!(svg.contains(r#"data-readings="61""#), "{svg}");
        assert!(svg.contains(r#"data-excursions="1""#));
        assert_eq!(svg.matches(r#"class="excursion""#).count(), 1);
        assert!(temperatures("空", &[], &rule, &[]).contains("—"));
    }
}
