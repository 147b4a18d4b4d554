//! Charts drawn as SVG on the server: no script, no library, readable by
//! screen readers (a title and a table-like description).

use std::fmt::Write;

use entity::platform_end::stats::DayFigures;

/// How a stacked bar chart looks.
struct Stack<'a> {
    id: &'a str,
    title: &'a str,
    height: f64,
    /// Extra attributes of the `<svg>` (totals for tests and scripts).
    attrs: String,
    /// Class and colour of the lower and the upper part.
    lower: (&'a str, &'a str),
    upper: (&'a str, &'a str),
    /// Date labels under the bars (every seventh day).
    labels: bool,
}

/// Stacked bars, one a day: `parts` gives the lower and upper value,
/// `tip` each bar's tooltip.
fn stacked(
    st: &Stack,
    days: &[DayFigures],
    parts: impl Fn(&DayFigures) -> (i64, i64),
    tip: impl Fn(&DayFigures) -> String,
) -> String {
    const W: f64 = 720.0;
    const PAD: f64 = 28.0;
    let h = st.height;
    let max = days
        .iter()
        .map(|d| {
            let (a, b) = parts(d);
            a + b
        })
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let n = days.len().max(1) as f64;
    let step = (W - 2.0 * PAD) / n;
    let bar = (step * 0.7).max(1.0);
    let scale = (h - 2.0 * PAD) / max;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg id="{id}" class="chart" viewBox="0 0 {W} {h}" role="img" aria-labelledby="{id}-title" {attrs} xmlns="http://www.w3.org/2000/svg"><title id="{id}-title">{}</title>"#,
        escape(st.title),
        id = st.id,
        attrs = st.attrs,
    );
    let _ = write!(
        svg,
        r##"<line x1="{PAD}" y1="{y}" x2="{x2}" y2="{y}" stroke="#999"/><text x="{PAD}" y="{t}" font-size="11" fill="#555">{}</text>"##,
        max as i64,
        y = h - PAD,
        x2 = W - PAD,
        t = PAD - 8.0
    );
    for (i, d) in days.iter().enumerate() {
        let (a, b) = parts(d);
        let x = PAD + step * i as f64 + (step - bar) / 2.0;
        let (ah, bh) = (a as f64 * scale, b as f64 * scale);
        let base = h - PAD;
        let day = d.day.map(|d| d.to_string()).unwrap_or_default();
        let _ = write!(
            svg,
            r##"<g class="day" data-day="{day}" data-orders="{o}"><title>{}</title><rect class="bar {lc}" x="{x:.1}" y="{ay:.1}" width="{bar:.1}" height="{ah:.1}" fill="{lf}"/><rect class="bar {uc}" x="{x:.1}" y="{by:.1}" width="{bar:.1}" height="{bh:.1}" fill="{uf}"/></g>"##,
            escape(&tip(d)),
            o = d.orders_delivered,
            lc = st.lower.0,
            lf = st.lower.1,
            uc = st.upper.0,
            uf = st.upper.1,
            ay = base - ah,
            by = base - ah - bh,
        );
        let last = i + 1 == days.len();
        if st.labels && days.len() <= 31 && (i % 7 == 0 || (last && i % 7 >= 3)) {
            let label = d
                .day
                .map(|d| d.format("%m-%d").to_string())
                .unwrap_or_default();
            let _ = write!(
                svg,
                r##"<text x="{x:.1}" y="{y}" font-size="10" fill="#555">{label}</text>"##,
                y = h - 8.0
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// A stacked bar chart of orders per day (city below, village above), with
/// the day's GMV in each bar's tooltip.
pub fn orders_per_day(title: &str, days: &[DayFigures]) -> String {
    let total: i64 = days.iter().map(|d| d.orders_delivered).sum();
    let gmv: i64 = days.iter().map(|d| d.gmv_fen).sum();
    let st = Stack {
        id: "orders-chart",
        title,
        height: 220.0,
        attrs: format!(r#"data-total-orders="{total}" data-total-gmv-fen="{gmv}""#),
        lower: ("city", "#2b7bb9"),
        upper: ("village", "#6ab04c"),
        labels: true,
    };
    stacked(
        &st,
        days,
        |d| (d.city_orders, d.village_orders),
        |d| {
            format!(
                "{}: {} ({} / {}), ¥{}",
                d.day.map(|d| d.to_string()).unwrap_or_default(),
                d.orders_delivered,
                d.city_orders,
                d.village_orders,
                crate::csv::yuan(d.gmv_fen)
            )
        },
    )
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Cold-chain batches settled per day: compliant below, breached above.
pub fn cold_chain_per_day(title: &str, days: &[DayFigures]) -> String {
    let batches: i64 = days.iter().map(|d| d.cold_batches).sum();
    let compliant: i64 = days.iter().map(|d| d.cold_compliant).sum();
    let st = Stack {
        id: "cold-chart",
        title,
        height: 140.0,
        attrs: format!(r#"data-batches="{batches}" data-compliant="{compliant}""#),
        lower: ("compliant", "#2f855a"),
        upper: ("breached", "#dc2626"),
        labels: false,
    };
    stacked(
        &st,
        days,
        |d| (d.cold_compliant, d.cold_batches - d.cold_compliant),
        |d| {
            format!(
                "{}: {} / {}",
                d.day.map(|d| d.to_string()).unwrap_or_default(),
                d.cold_compliant,
                d.cold_batches
            )
        },
    )
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
    rule: &entity::delivery_end::cold_chain::ClassRule,
    excursions: &[entity::delivery_end::cold_chain::Excursion],
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
        let rule = entity::delivery_end::cold_chain::ClassRule::FROZEN;
        let plain: Vec<entity::delivery_end::cold_chain::Reading> = readings
            .iter()
            .map(|(at, celsius)| entity::delivery_end::cold_chain::Reading {
                at: *at,
                celsius: *celsius,
            })
            .collect();
        let v = entity::delivery_end::cold_chain::judge(&rule, t0, t0 + Duration::hours(1), &plain);
        let svg = temperatures("冷冻", &readings, &rule, &v.excursions);
        assert!(svg.contains(r#"data-readings="61""#), "{svg}");
        assert!(svg.contains(r#"data-excursions="1""#));
        assert_eq!(svg.matches(r#"class="excursion""#).count(), 1);
        assert!(temperatures("空", &[], &rule, &[]).contains("—"));
    }
}
