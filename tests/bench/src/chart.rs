//! The scaling chart as a hand-written SVG: two log–log line charts side by
//! side. (plotters' SVG backend without a font feature has no text metrics
//! for its axis layout, and its font features pull in font loading; the
//! chart needs nothing that ~100 lines of SVG text cannot say.)

use std::fmt::Write;

use crate::scaling::{Point, Scaling};

const W: f64 = 440.0;
const H: f64 = 330.0;
const L: f64 = 58.0;
const R: f64 = 16.0;
const T: f64 = 46.0;
const B: f64 = 84.0;

/// One line: label, colour, dash pattern ("" for solid), points (x, y).
struct Series<'a>(&'a str, &'a str, &'a str, Vec<(f64, f64)>);

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// y ticks on a log axis: 1, 2, 5 × powers of ten inside [lo, hi].
fn y_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let mut out = Vec::new();
    let mut p = 10f64.powf(lo.log10().floor());
    while p <= hi * 1.0001 {
        for m in [1.0, 2.0, 5.0] {
            let v = p * m;
            if v >= lo * 0.9999 && v <= hi * 1.0001 {
                out.push(v);
            }
        }
        p *= 10.0;
    }
    out
}

fn panel(svg: &mut String, x0: f64, title: &str, xlabel: &str, xs: &[usize], series: &[Series]) {
    let all = series.iter().flat_map(|s| s.3.iter());
    let (mut lo, mut hi) = all.fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
    lo = 10f64.powf((lo.max(1e-3).log10() - 0.1).floor());
    hi = 10f64.powf((hi.max(lo).log10() + 0.05).ceil());
    let (xmin, xmax) = (xs[0] as f64 / 1.25, *xs.last().unwrap_or(&1) as f64 * 1.25);
    let px = |x: f64| x0 + L + (x.log10() - xmin.log10()) / (xmax.log10() - xmin.log10()) * (W - L - R);
    let py = |y: f64| T + (hi.log10() - y.log10()) / (hi.log10() - lo.log10()) * (H - T - B);
    let _ = writeln!(
        svg,
        r#"<text x="{:.1}" y="24" font-size="14" font-weight="bold" text-anchor="middle">{}</text>"#,
        x0 + W / 2.0,
        esc(title)
    );
    let _ = writeln!(
        svg,
        r##"<rect x="{:.1}" y="{T}" width="{:.1}" height="{:.1}" fill="none" stroke="#888"/>"##,
        x0 + L,
        W - L - R,
        H - T - B
    );
    for y in y_ticks(lo, hi) {
        let (yy, label) = (py(y), if y < 1.0 { format!("{y}") } else { format!("{y:.0}") });
        let _ = writeln!(
            svg,
            r##"<line x1="{:.1}" x2="{:.1}" y1="{yy:.1}" y2="{yy:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" font-size="11" text-anchor="end">{label}</text>"##,
            x0 + L,
            x0 + W - R,
            x0 + L - 5.0,
            yy + 4.0
        );
    }
    for &x in xs {
        let _ = writeln!(
            svg,
            r##"<line x1="{0:.1}" x2="{0:.1}" y1="{T}" y2="{1:.1}" stroke="#ddd"/><text x="{0:.1}" y="{2:.1}" font-size="11" text-anchor="middle">{3}</text>"##,
            px(x as f64),
            H - B,
            H - B + 15.0,
            group(x)
        );
    }
    let _ = writeln!(
        svg,
        r#"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="middle">{}</text>"#,
        x0 + L + (W - L - R) / 2.0,
        H - B + 32.0,
        esc(xlabel)
    );
    let _ = writeln!(
        svg,
        r#"<text transform="translate({:.1},{:.1}) rotate(-90)" font-size="12" text-anchor="middle">µs per customer (log)</text>"#,
        x0 + 15.0,
        T + (H - T - B) / 2.0
    );
    for (k, s) in series.iter().enumerate() {
        let pts: Vec<String> = s.3.iter().map(|&(x, y)| format!("{:.1},{:.1}", px(x), py(y))).collect();
        let dash = if s.2.is_empty() {
            String::new()
        } else {
            format!(r#" stroke-dasharray="{}""#, s.2)
        };
        let _ = writeln!(
            svg,
            r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="2"{dash}/>"#,
            pts.join(" "),
            s.1
        );
        for p in pts.iter().filter(|_| s.1 != "#999") {
            let (x, y) = p.split_once(',').unwrap_or(("0", "0"));
            let _ = writeln!(svg, r#"<circle cx="{x}" cy="{y}" r="3" fill="{}"/>"#, s.1);
        }
        let (lx, ly) = (x0 + L + (k % 2) as f64 * 190.0, H - B + 50.0 + (k / 2) as f64 * 16.0);
        let _ = writeln!(
            svg,
            r#"<line x1="{lx:.1}" x2="{:.1}" y1="{ly:.1}" y2="{ly:.1}" stroke="{}" stroke-width="2"{dash}/><text x="{:.1}" y="{:.1}" font-size="11">{}</text>"#,
            lx + 22.0,
            s.1,
            lx + 27.0,
            ly + 4.0,
            esc(s.0)
        );
    }
}

/// 1000 → "1,000".
fn group(x: usize) -> String {
    let s = x.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn line(ps: &[Point], series: &str, mean: bool) -> Vec<(f64, f64)> {
    ps.iter()
        .filter(|p| p.series == series)
        .map(|p| (p.x as f64, if mean { p.mean_us } else { p.p50_us }))
        .collect()
}

/// A dotted line through the first point growing in proportion to x.
fn linear(from: &[(f64, f64)], to: f64) -> Vec<(f64, f64)> {
    from.first()
        .map_or(Vec::new(), |&(x, y)| vec![(x, y), (to, y * to / x)])
}

pub fn svg(s: &Scaling, subtitle: &str) -> String {
    let mut out = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{0}" height="{1}" viewBox="0 0 {0} {1}" font-family="sans-serif" fill="#222">
<rect width="100%" height="100%" fill="white"/>
<text x="{2}" y="{3}" font-size="11" text-anchor="middle" fill="#555">{4}</text>
"##,
        2.0 * W,
        H + 14.0,
        W,
        H + 8.0,
        esc(subtitle)
    );
    let p50 = line(&s.by_rules, "nextbest native", false);
    let (alone, plus) = &s.untriggered;
    let rules = [
        Series("nextbest native p50", "#1f6fd1", "", p50.clone()),
        Series(
            "nextbest native mean",
            "#1f6fd1",
            "5 3",
            line(&s.by_rules, "nextbest native", true),
        ),
        Series("∝ rules (linear reference)", "#999", "2 3", linear(&p50, 1000.0)),
        Series(
            &format!("{} rules + 1,000 untriggered (p50)", alone.x),
            "#d1451f",
            "",
            vec![(alone.x as f64, alone.p50_us), (plus.x as f64, plus.p50_us)],
        ),
    ];
    panel(
        &mut out,
        0.0,
        "Cost vs rules (benchmark pack replicated)",
        "rules in the pack",
        &crate::scaling::RULE_COUNTS,
        &rules,
    );
    let p50 = line(&s.by_txns, "nextbest native", false);
    let txns = [
        Series("nextbest native p50", "#1f6fd1", "", p50.clone()),
        Series(
            "nextbest native mean",
            "#1f6fd1",
            "5 3",
            line(&s.by_txns, "nextbest native", true),
        ),
        Series("∝ transactions (linear reference)", "#999", "2 3", linear(&p50, 1000.0)),
        Series(
            "hand-written Rust p50",
            "#2a9d4b",
            "",
            line(&s.by_txns, "hand-written Rust", false),
        ),
    ];
    panel(
        &mut out,
        W,
        "Cost vs transactions (34 rules)",
        "transactions per customer",
        &crate::scaling::TXN_COUNTS,
        &txns,
    );
    out + "</svg>\n"
}
