//! The CX pages people look at: `GET /cx/life-events/{slug}` draws a life event's journey
//! map (its stages left to right; each stage's satisfaction, abandonment and touchpoint mix
//! as labelled marks; the experience gaps highlighted), and `GET /cx/services/{slug}` one
//! service's experience. Server-rendered HTML with inline SVG: no script, nothing fetched
//! from anywhere, readable without colour (every mark has its figure written beside it, and
//! patterns tell the categories apart). `?period=` takes a month, quarter or fiscal year as
//! the API does; by default, the last quarter that has ended. Public figures only: the same
//! minimum number of responses as the API, and no comments.

use std::collections::HashMap;
use std::fmt::Write;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use chrono::{Datelike, NaiveDate, Utc};

use super::transport::Media;
use super::{AppState, rate};
use crate::catalog::CatalogError;
use crate::catalog::experience::{Period, Scores, ServiceExperience};
use crate::catalog::journey::{GapKind, JourneyExperience};
use crate::catalog::principal::Principal;
use crate::catalog::reader::Reader;
use crate::catalog::records;
use crate::catalog::types::{Slug, TouchpointCategory};

/// A page's period: its text, as the API takes it, and its dates.
struct PagePeriod {
    text: String,
    period: Period,
}

/// The quarter before the one `today` is in, as `2026-Q3`.
fn last_ended_quarter(today: NaiveDate) -> String {
    let quarter = today.month0() / 3; // 0-based quarter of today
    match quarter {
        0 => format!("{}-Q4", today.year() - 1),
        q => format!("{}-Q{}", today.year(), q),
    }
}

/// The periods a page links to: this month, this quarter and the four before it, and this
/// fiscal year (New York's, April to March).
fn period_links(today: NaiveDate) -> Vec<String> {
    let mut links = vec![today.format("%Y-%m").to_string()];
    let (mut year, mut quarter) = (today.year(), today.month0() / 3 + 1);
    for _ in 0..5 {
        links.push(format!("{year}-Q{quarter}"));
        (year, quarter) = if quarter == 1 {
            (year - 1, 4)
        } else {
            (year, quarter - 1)
        };
    }
    let fiscal = if today.month() >= 4 {
        today.year() + 1
    } else {
        today.year()
    };
    links.push(format!("FY{fiscal}"));
    links
}

/// Text made safe inside HTML and SVG.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `n` with thousands separators.
fn count(n: impl Into<i128>) -> String {
    let digits = n.into().to_string();
    let (sign, digits) = match digits.strip_prefix('-') {
        Some(rest) => ("-", rest.to_owned()),
        None => ("", digits),
    };
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}")
}

fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

/// A score as a short phrase: `3.9 of 5 (2,176 responses)`, or why it is withheld.
fn score_phrase(scores: &Scores) -> String {
    match scores.satisfaction {
        Some(s) => format!("{s:.1} of 5 ({} responses)", count(scores.responses)),
        None => format!("withheld ({} responses)", count(scores.responses)),
    }
}

fn category_name(category: TouchpointCategory) -> &'static str {
    match category {
        TouchpointCategory::Digital => "Digital",
        TouchpointCategory::Physical => "Physical",
        TouchpointCategory::Human => "Human",
    }
}

/// The fill of a category's part of a bar: a pattern per category, so the bar reads in
/// black and white too.
fn category_fill(category: TouchpointCategory) -> &'static str {
    match category {
        TouchpointCategory::Digital => "url(#digital)",
        TouchpointCategory::Physical => "url(#physical)",
        TouchpointCategory::Human => "url(#human)",
    }
}

fn gap_name(kind: GapKind) -> &'static str {
    match kind {
        GapKind::LowSatisfaction => "low satisfaction",
        GapKind::HighAbandonment => "high abandonment",
        GapKind::SatisfactionDrop => "satisfaction drop",
    }
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:24px;color:#1b1b1b;max-width:1400px}\
h1{margin:0 0 4px}p.sub{margin:0 0 16px;color:#444}\
.synthetic{border:3px dashed #8a4b00;background:#fff4e5;padding:10px 14px;margin:12px 0;font-weight:600}\
nav a{margin-right:10px}nav a.on{font-weight:700;text-decoration:none;border-bottom:3px solid}\
table{border-collapse:collapse;margin:8px 0 24px}th,td{border:1px solid #bbb;padding:4px 8px;text-align:left}\
td.n{text-align:right}svg{max-width:100%;height:auto;border:1px solid #ddd;background:#fff}\
ol.gaps li{margin:4px 0}";

/// The patterns the bars use (defined once per SVG).
const PATTERNS: &str = "<defs>\
<pattern id=\"digital\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\"><rect width=\"6\" height=\"6\" fill=\"#2563eb\"/></pattern>\
<pattern id=\"human\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\"><rect width=\"6\" height=\"6\" fill=\"#fde68a\"/><path d=\"M0,6 L6,0\" stroke=\"#92400e\" stroke-width=\"1.5\"/></pattern>\
<pattern id=\"physical\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\"><rect width=\"6\" height=\"6\" fill=\"#d1fae5\"/><circle cx=\"3\" cy=\"3\" r=\"1.4\" fill=\"#065f46\"/></pattern>\
<pattern id=\"abandon\" width=\"8\" height=\"8\" patternUnits=\"userSpaceOnUse\"><rect width=\"8\" height=\"8\" fill=\"#fecaca\"/><path d=\"M0,0 L8,8\" stroke=\"#991b1b\" stroke-width=\"2\"/></pattern>\
</defs>";

/// The page around `body`.
fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body>{body}</body></html>",
        esc(title)
    )
}

/// The period links, the current one marked.
fn period_nav(base: &str, current: &str, today: NaiveDate) -> String {
    let mut nav = String::from("<nav aria-label=\"Period\">Period: ");
    for text in period_links(today) {
        let class = if text == current { " class=\"on\"" } else { "" };
        let _ = write!(
            nav,
            "<a{class} href=\"{base}?period={t}\">{t}</a>",
            t = esc(&text)
        );
    }
    nav.push_str("</nav>");
    nav
}

const SYNTHETIC_NOTICE: &str = "<p class=\"synthetic\" role=\"note\">Synthetic demonstration data: \
    this period holds made-up feedback and UX metrics (loaded with the seeded catalog), so \
    these figures describe no real resident.</p>";

/// How many of the worst gaps the map highlights.
const HIGHLIGHTED: usize = 3;

/// The journey map of `event` over `period`.
fn journey_svg(journey: &JourneyExperience) -> String {
    const COL: f64 = 250.0;
    const LEFT: f64 = 110.0;
    let n = journey.stages.len().max(1);
    let width = LEFT + COL * n as f64 + 10.0;
    let height = 470.0;
    let y_of = |s: f64| 250.0 - (s - 1.0) / 4.0 * 150.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" \
         width=\"{width}\" height=\"{height}\" role=\"img\" aria-labelledby=\"map-title\" \
         font-family=\"system-ui,sans-serif\" font-size=\"12\">\
         <title id=\"map-title\">Journey map: satisfaction, abandonment and touchpoint mix \
         at each stage</title>{PATTERNS}"
    );
    // The map highlights the worst gaps; the list under it names them all.
    let mut gap_rank: HashMap<usize, Vec<(usize, GapKind)>> = HashMap::new();
    for (rank, gap) in journey.gaps.iter().enumerate().take(HIGHLIGHTED) {
        if gap.kind != GapKind::SatisfactionDrop {
            gap_rank
                .entry(gap.stage)
                .or_default()
                .push((rank + 1, gap.kind));
        }
    }
    // The satisfaction scale.
    for s in 1..=5 {
        let y = y_of(f64::from(s));
        let _ = write!(
            svg,
            "<line x1=\"{LEFT}\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\" stroke=\"#e5e7eb\"/>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"end\">{s}</text>",
            width - 10.0,
            LEFT - 8.0,
            y + 4.0
        );
    }
    let _ = write!(
        svg,
        "<text x=\"8\" y=\"95\" font-weight=\"600\">Satisfaction</text>\
         <text x=\"8\" y=\"300\" font-weight=\"600\">Abandoned</text>\
         <text x=\"8\" y=\"375\" font-weight=\"600\">Touchpoints</text>"
    );
    let mut points: Vec<Option<(f64, f64)>> = Vec::new();
    for (i, stage) in journey.stages.iter().enumerate() {
        let x0 = LEFT + COL * i as f64;
        let cx = x0 + COL / 2.0;
        if let Some(gaps) = gap_rank.get(&i) {
            let _ = write!(
                svg,
                "<rect x=\"{}\" y=\"4\" width=\"{}\" height=\"{}\" fill=\"#fee2e2\" \
                 stroke=\"#b91c1c\" stroke-width=\"3\" stroke-dasharray=\"8 4\"/>",
                x0 + 4.0,
                COL - 8.0,
                height - 8.0,
            );
            for (line, (rank, kind)) in gaps.iter().enumerate() {
                let _ = write!(
                    svg,
                    "<text x=\"{cx}\" y=\"{}\" text-anchor=\"middle\" font-weight=\"700\" \
                     fill=\"#7f1d1d\">GAP {rank}: {}</text>",
                    74.0 + 15.0 * line as f64,
                    gap_name(*kind)
                );
            }
        }
        // The stage's name, over two lines at most.
        let name = format!("{}. {}", i + 1, stage.stage.name);
        let (first, second) = split_words(&name, 34);
        let _ = write!(
            svg,
            "<rect x=\"{}\" y=\"12\" width=\"{}\" height=\"46\" rx=\"6\" fill=\"#f3f4f6\" \
             stroke=\"#374151\"/><text x=\"{cx}\" y=\"31\" text-anchor=\"middle\" \
             font-weight=\"700\">{}</text><text x=\"{cx}\" y=\"49\" text-anchor=\"middle\" \
             font-weight=\"700\">{}</text>",
            x0 + 12.0,
            COL - 24.0,
            esc(&first),
            esc(&second)
        );
        // Satisfaction: a circle at its height, its figure beside it.
        match stage.scores.satisfaction {
            Some(s) => {
                let y = y_of(s);
                points.push(Some((cx, y)));
                let _ = write!(
                    svg,
                    "<circle cx=\"{cx}\" cy=\"{y}\" r=\"8\" fill=\"#1d4ed8\" stroke=\"#000\"/>\
                     <text x=\"{}\" y=\"{}\" font-weight=\"700\">{s:.1} of 5</text>\
                     <text x=\"{}\" y=\"{}\">{} responses</text>",
                    cx + 12.0,
                    y - 2.0,
                    cx + 12.0,
                    y + 12.0,
                    count(stage.scores.responses)
                );
            }
            None => {
                points.push(None);
                let _ = write!(
                    svg,
                    "<text x=\"{cx}\" y=\"175\" text-anchor=\"middle\">withheld: {} responses</text>",
                    count(stage.scores.responses)
                );
            }
        }
        // Abandonment: a hatched bar as long as its share.
        let bar = COL - 40.0;
        match stage.abandonment_rate {
            Some(rate) => {
                let _ = write!(
                    svg,
                    "<rect x=\"{}\" y=\"282\" width=\"{bar}\" height=\"22\" fill=\"none\" \
                     stroke=\"#6b7280\"/><rect x=\"{}\" y=\"282\" width=\"{}\" height=\"22\" \
                     fill=\"url(#abandon)\" stroke=\"#991b1b\"/>\
                     <text x=\"{}\" y=\"322\">{} abandoned of {} started</text>",
                    x0 + 20.0,
                    x0 + 20.0,
                    (bar * rate.clamp(0.0, 1.0)).max(1.0),
                    x0 + 20.0,
                    percent(rate),
                    count(stage.started)
                );
            }
            None => {
                let _ = write!(
                    svg,
                    "<text x=\"{}\" y=\"298\">no transactions reported</text>",
                    x0 + 20.0
                );
            }
        }
        // The touchpoint mix: one bar split by category, each part labelled below.
        let total: u64 = stage.by_category.iter().map(|(_, s)| s.responses).sum();
        if total == 0 {
            let _ = write!(
                svg,
                "<text x=\"{}\" y=\"372\">no responses</text>",
                x0 + 20.0
            );
        } else {
            let mut x = x0 + 20.0;
            let mut line = 0.0;
            for (category, scores) in &stage.by_category {
                let share = scores.responses as f64 / total as f64;
                let w = bar * share;
                let _ = write!(
                    svg,
                    "<rect x=\"{x}\" y=\"360\" width=\"{w}\" height=\"22\" fill=\"{}\" \
                     stroke=\"#111\"/><text x=\"{}\" y=\"{}\">{} {}: {}</text>",
                    category_fill(*category),
                    x0 + 20.0,
                    400.0 + line,
                    category_name(*category),
                    percent(share),
                    scores
                        .satisfaction
                        .map_or("withheld".to_owned(), |s| format!("{s:.1} of 5"))
                );
                x += w;
                line += 16.0;
            }
        }
    }
    // The line between consecutive shown stages; a drop that ranks as a gap is drawn
    // dashed and thick, with its size written on it.
    for i in 0..points.len().saturating_sub(1) {
        if let (Some((x1, y1)), Some((x2, y2))) = (points[i], points[i + 1]) {
            let drop = journey
                .gaps
                .iter()
                .take(HIGHLIGHTED)
                .position(|g| g.kind == GapKind::SatisfactionDrop && g.stage == i);
            match drop {
                Some(rank) => {
                    let fall = (y2 - y1) / 150.0 * 4.0;
                    let _ = write!(
                        svg,
                        "<line x1=\"{x1}\" y1=\"{y1}\" x2=\"{x2}\" y2=\"{y2}\" stroke=\"#b91c1c\" \
                         stroke-width=\"4\" stroke-dasharray=\"10 5\"/>\
                         <text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-weight=\"700\" \
                         fill=\"#7f1d1d\">GAP {}: drop of {fall:.1}</text>",
                        (x1 + x2) / 2.0,
                        (y1 + y2) / 2.0 + 26.0,
                        rank + 1
                    );
                }
                None => {
                    let _ = write!(
                        svg,
                        "<line x1=\"{x1}\" y1=\"{y1}\" x2=\"{x2}\" y2=\"{y2}\" stroke=\"#1d4ed8\" \
                         stroke-width=\"2\"/>"
                    );
                }
            }
        }
    }
    svg.push_str("</svg>");
    svg
}

/// `text` over two lines of about `width` characters.
fn split_words(text: &str, width: usize) -> (String, String) {
    let mut first = String::new();
    let mut rest = String::new();
    for word in text.split_whitespace() {
        if rest.is_empty() && first.len() + word.len() < width {
            if !first.is_empty() {
                first.push(' ');
            }
            first.push_str(word);
        } else {
            if !rest.is_empty() {
                rest.push(' ');
            }
            rest.push_str(word);
        }
    }
    (first, rest)
}

/// The life event page's HTML.
fn life_event_html(
    event: &records::LifeEvent,
    period: &PagePeriod,
    journey: &JourneyExperience,
    names: &HashMap<i32, (String, String, String)>,
    today: NaiveDate,
    minimum: u64,
) -> String {
    let mut body = format!(
        "<h1>{}: journey map</h1><p class=\"sub\">How residents fared at each stage, \
         {} ({} to {}). Figures are shown from {minimum} responses.</p>",
        esc(&event.name),
        esc(&period.text),
        period.period.start,
        period.period.end.pred_opt().unwrap_or(period.period.end)
    );
    body.push_str(&period_nav(
        &format!("/cx/life-events/{}", esc(&event.slug)),
        &period.text,
        today,
    ));
    if journey.synthetic {
        body.push_str(SYNTHETIC_NOTICE);
    }
    body.push_str(&journey_svg(journey));
    body.push_str("<h2>Experience gaps, worst first</h2>");
    if journey.gaps.is_empty() {
        body.push_str("<p>No gaps: no stage has figures to show for this period.</p>");
    } else {
        body.push_str("<ol class=\"gaps\">");
        for gap in &journey.gaps {
            let _ = write!(
                body,
                "<li><strong>{}</strong> (severity {:.2}): {}</li>",
                gap_name(gap.kind),
                gap.severity,
                esc(&gap.reason)
            );
        }
        body.push_str("</ol>");
    }
    body.push_str(
        "<h2>Services at each stage</h2><table><thead><tr><th>Stage</th><th>Service</th>\
         <th>Agency</th><th>Satisfaction</th><th>CSAT</th><th>Transactions started</th>\
         <th>Abandoned</th></tr></thead><tbody>",
    );
    for stage in &journey.stages {
        for service in &stage.services {
            let (name, slug, agency) = names.get(&service.service_id).cloned().unwrap_or_default();
            let _ = write!(
                body,
                "<tr><td>{}</td><td><a href=\"/cx/services/{}?period={}\">{}</a></td><td>{}</td>\
                 <td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                esc(&stage.stage.name),
                esc(&slug),
                esc(&period.text),
                esc(&name),
                esc(&agency),
                score_phrase(&service.scores),
                service.scores.csat.map(percent).unwrap_or_default(),
                count(service.started),
                service.abandonment_rate.map(percent).unwrap_or_default()
            );
        }
    }
    body.push_str("</tbody></table>");
    page(&format!("{}: journey map", event.name), &body)
}

/// The service page's HTML.
fn service_html(
    service: &records::Service,
    agency: &str,
    period: &PagePeriod,
    experience: &ServiceExperience,
    today: NaiveDate,
    minimum: u64,
) -> String {
    let mut body = format!(
        "<h1>{}</h1><p class=\"sub\">{}. How residents experienced it, {} ({} to {}). \
         Figures are shown from {minimum} responses.</p>",
        esc(&service.name),
        esc(agency),
        esc(&period.text),
        period.period.start,
        period.period.end.pred_opt().unwrap_or(period.period.end)
    );
    body.push_str(&period_nav(
        &format!("/cx/services/{}", esc(&service.slug)),
        &period.text,
        today,
    ));
    if experience.synthetic {
        body.push_str(SYNTHETIC_NOTICE);
    }
    let overall = &experience.overall;
    let _ = write!(
        body,
        "<p><strong>Overall:</strong> {}{}{}</p>",
        score_phrase(overall),
        overall
            .csat
            .map(|c| format!("; CSAT {}", percent(c)))
            .unwrap_or_default(),
        overall
            .trust
            .map(|t| format!("; trust {t:.1} of 5"))
            .unwrap_or_default()
    );
    body.push_str(&channel_svg(experience));
    body.push_str(
        "<h2>Trend</h2><table><thead><tr><th>Month</th><th>Satisfaction</th><th>CSAT</th>\
         </tr></thead><tbody>",
    );
    for (month, scores) in &experience.trend {
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td></tr>",
            month.format("%Y-%m"),
            score_phrase(scores),
            scores.csat.map(percent).unwrap_or_default()
        );
    }
    body.push_str(
        "</tbody></table><h2>Measured transactions</h2><table><thead><tr><th>Channel</th>\
         <th>Started</th><th>Success</th><th>Errors</th><th>Abandoned</th>\
         <th>Median time</th><th>Median clicks</th></tr></thead><tbody>",
    );
    for m in &experience.ux_metrics {
        let t = m.transactions;
        let _ = write!(
            body,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            m.channel_kind.as_str(),
            count(t.started),
            t.success_rate().map(percent).unwrap_or_default(),
            t.error_rate().map(percent).unwrap_or_default(),
            t.abandonment_rate().map(percent).unwrap_or_default(),
            m.median_seconds
                .map(|s| format!("{:.0} min", s / 60.0))
                .unwrap_or_default(),
            m.median_clicks
                .map(|c| format!("{c:.0}"))
                .unwrap_or_default()
        );
    }
    body.push_str("</tbody></table>");
    if !experience.drivers.is_empty() {
        body.push_str(
            "<h2>What went well, and what did not</h2><table><thead><tr><th>Driver</th>\
             <th>Went well</th><th>Did not go well</th></tr></thead><tbody>",
        );
        for (driver, positive, negative) in &experience.drivers {
            let _ = write!(
                body,
                "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                driver.as_str(),
                percent(*positive),
                percent(*negative)
            );
        }
        body.push_str("</tbody></table>");
    }
    page(&format!("{}: experience", service.name), &body)
}

/// Satisfaction by channel kind: a bar per kind, its figure written at its end.
fn channel_svg(experience: &ServiceExperience) -> String {
    let rows = experience.by_channel.len().max(1);
    let height = 40.0 + 34.0 * rows as f64;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 760 {height}\" width=\"760\" \
         height=\"{height}\" role=\"img\" aria-labelledby=\"ch-title\" \
         font-family=\"system-ui,sans-serif\" font-size=\"12\"><title id=\"ch-title\">\
         Satisfaction by kind of channel</title>{PATTERNS}\
         <text x=\"10\" y=\"20\" font-weight=\"600\">Satisfaction by kind of channel \
         (bar: mean of 5)</text>"
    );
    for (i, (kind, scores)) in experience.by_channel.iter().enumerate() {
        let y = 34.0 + 34.0 * i as f64;
        let _ = write!(
            svg,
            "<text x=\"10\" y=\"{}\">{} ({})</text>",
            y + 15.0,
            kind.as_str(),
            category_name(kind.category())
        );
        if let Some(s) = scores.satisfaction {
            let w = 360.0 * s / 5.0;
            let _ = write!(
                svg,
                "<rect x=\"200\" y=\"{y}\" width=\"{w}\" height=\"22\" fill=\"{}\" stroke=\"#111\"/>",
                category_fill(kind.category())
            );
        }
        let _ = write!(
            svg,
            "<text x=\"570\" y=\"{}\">{}</text>",
            y + 15.0,
            score_phrase(scores)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A page's answer: `html` with `status`, no script allowed to run, nothing loaded from
/// elsewhere.
fn html_response(status: StatusCode, html: String, max_age: u64) -> Response {
    let mut response = Response::new(html.into());
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
    );
    let cache = match status {
        StatusCode::OK => format!("public, max-age={max_age}"),
        _ => "no-store".to_owned(),
    };
    if let Ok(value) = HeaderValue::from_str(&cache) {
        headers.insert(header::CACHE_CONTROL, value);
    }
    response
}

/// The page refusing `err`: its message (an internal error's only says its id).
fn error_page(err: CatalogError) -> Response {
    let status = match &err {
        CatalogError::BadInput { .. } => StatusCode::BAD_REQUEST,
        CatalogError::NotFound { .. } => StatusCode::NOT_FOUND,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let message = async_graphql::Error::from(err).message;
    let html = page(
        "Not shown",
        &format!(
            "<h1>Not shown</h1><p>{}</p><p><a href=\"/\">The API explorer</a></p>",
            esc(&message)
        ),
    );
    html_response(status, html, 0)
}

/// The period `params` ask for (by default the last quarter that has ended).
fn page_period(
    params: &HashMap<String, String>,
    today: NaiveDate,
) -> Result<PagePeriod, CatalogError> {
    let text = params
        .get("period")
        .cloned()
        .unwrap_or_else(|| last_ended_quarter(today));
    let period = Period::parse("period", &text, today)?;
    Ok(PagePeriod { text, period })
}

/// `GET /cx/life-events/{slug}`.
pub async fn life_event_page(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(slug): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let today = Utc::now().date_naive();
    let render = async {
        let period = page_period(&params, today)?;
        let reader = Reader::new(&state.catalog, &Principal::Anonymous);
        let event = reader
            .life_event_by_slug(&Slug::parse("slug", &slug)?)
            .await?
            .ok_or_else(|| CatalogError::not_found("slug", "life event"))?;
        let minimum = state.limits.min_responses;
        let journey = state
            .catalog
            .life_event_experience(event.id, period.period, minimum)
            .await?;
        let ids: Vec<i32> = journey
            .stages
            .iter()
            .flat_map(|s| s.services.iter().map(|x| x.service_id))
            .collect();
        let names = service_names(&reader, &ids).await?;
        Ok(life_event_html(
            &event, &period, &journey, &names, today, minimum,
        ))
    };
    answer_page(&state, peer, &headers, render).await
}

/// The page `render` makes, or the page saying why not; an anonymous request, rate-limited
/// as `/graphql` is (`render` does not run for a refused one).
async fn answer_page(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    render: impl Future<Output = Result<String, CatalogError>>,
) -> Response {
    let address = rate::client_address(
        headers,
        peer.ip(),
        state.limits.trusted_proxy_header.as_deref(),
    );
    let verdict = state
        .rates
        .check(rate::Client::of(&Principal::Anonymous, address));
    if verdict.as_ref().is_some_and(|v| v.retry_after.is_some()) {
        return super::with_rate(Response::default(), Media::Json, verdict);
    }
    let response = match render.await {
        Ok(html) => html_response(StatusCode::OK, html, state.limits.cache_max_age_secs),
        Err(err) => error_page(err),
    };
    super::with_rate(response, Media::Json, verdict)
}

/// Each of `ids`' name, slug and agency's name.
async fn service_names(
    reader: &Reader,
    ids: &[i32],
) -> Result<HashMap<i32, (String, String, String)>, CatalogError> {
    let services = reader.services_by_ids(ids).await?;
    let agency_ids: Vec<i32> = services.values().map(|s| s.agency_id).collect();
    let agencies = reader.agencies_by_ids(&agency_ids).await?;
    Ok(services
        .into_iter()
        .map(|(id, s)| {
            let agency = agencies
                .get(&s.agency_id)
                .map(|a| a.name.clone())
                .unwrap_or_default();
            (id, (s.name, s.slug, agency))
        })
        .collect())
}

/// `GET /cx/services/{slug}`.
pub async fn service_page(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(slug): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let today = Utc::now().date_naive();
    let render = async {
        let period = page_period(&params, today)?;
        let reader = Reader::new(&state.catalog, &Principal::Anonymous);
        let service = reader
            .service_by_slug(&Slug::parse("slug", &slug)?)
            .await?
            .ok_or_else(|| CatalogError::not_found("slug", "service"))?;
        let names = service_names(&reader, &[service.id]).await?;
        let agency = names
            .get(&service.id)
            .map(|n| n.2.clone())
            .unwrap_or_default();
        let minimum = state.limits.min_responses;
        let experience = state
            .catalog
            .service_experience(service.id, period.period, minimum)
            .await?;
        Ok(service_html(
            &service,
            &agency,
            &period,
            &experience,
            today,
            minimum,
        ))
    };
    answer_page(&state, peer, &headers, render).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_default_period_is_the_last_quarter_that_ended() {
        assert_eq!(last_ended_quarter(date(2026, 12, 3)), "2026-Q3");
        assert_eq!(last_ended_quarter(date(2026, 10, 1)), "2026-Q3");
        assert_eq!(last_ended_quarter(date(2026, 3, 31)), "2025-Q4");
        assert_eq!(
            period_links(date(2026, 2, 10)),
            [
                "2026-02", "2026-Q1", "2025-Q4", "2025-Q3", "2025-Q2", "2025-Q1", "FY2026"
            ]
        );
    }

    #[test]
    fn text_is_escaped_and_counts_grouped() {
        assert_eq!(
            esc("<a href='x'>&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;"
        );
        assert_eq!(count(1_234_567i64), "1,234,567");
        assert_eq!(count(12i64), "12");
        assert_eq!(count(-1_000i64), "-1,000");
        assert_eq!(
            split_words("4. Keep your home and utilities warm", 20),
            (
                "4. Keep your home".to_owned(),
                "and utilities warm".to_owned()
            )
        );
    }
}
