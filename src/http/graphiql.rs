//! The GraphiQL explorer, served entirely by the binary: the page, and GraphiQL 3.9 with
//! React 18 vendored under `assets/` with their licenses, so it works with no internet.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

/// Where the assets are served from.
pub const ASSETS: &str = "/graphiql/assets";

const PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>civic-catalog GraphiQL</title>
<link rel="stylesheet" href="/graphiql/assets/graphiql.min.css">
<style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script src="/graphiql/assets/react.production.min.js"></script>
<script src="/graphiql/assets/react-dom.production.min.js"></script>
<script src="/graphiql/assets/graphiql.min.js"></script>
<script src="/graphiql/assets/civic-catalog.js"></script>
</body>
</html>
"#;

/// Starts GraphiQL against this server's `/graphql`, with an example query.
const INIT: &str = r#"(function () {
  var query = [
    '# Welcome to civic-catalog. Open the Docs panel to browse the schema.',
    '# Press the run button to see what a resident who lost a job may need.',
    'query JobLoss {',
    '  lifeEvent(slug: "job-loss") {',
    '    name',
    '    stages {',
    '      position',
    '      name',
    '      services {',
    '        relevance',
    '        reason',
    '        service { name agency { name } channels { kind label url phone } }',
    '      }',
    '    }',
    '  }',
    '}',
    ''
  ].join('\n');
  var fetcher = GraphiQL.createFetcher({ url: new URL('/graphql', window.location.href).toString() });
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(React.createElement(GraphiQL, { fetcher: fetcher, defaultQuery: query }));
})();
"#;

/// `GET /` and `GET /graphiql`.
pub async fn page() -> Html<&'static str> {
    Html(PAGE)
}

/// `GET /graphiql/assets/{file}`.
pub async fn asset(Path(file): Path<String>) -> Response {
    let found: Option<(&'static str, &'static [u8])> = match file.as_str() {
        "graphiql.min.css" => Some((
            "text/css; charset=utf-8",
            include_bytes!("assets/graphiql.min.css"),
        )),
        "graphiql.min.js" => Some((
            "text/javascript; charset=utf-8",
            include_bytes!("assets/graphiql.min.js"),
        )),
        "react.production.min.js" => Some((
            "text/javascript; charset=utf-8",
            include_bytes!("assets/react.production.min.js"),
        )),
        "react-dom.production.min.js" => Some((
            "text/javascript; charset=utf-8",
            include_bytes!("assets/react-dom.production.min.js"),
        )),
        "civic-catalog.js" => Some(("text/javascript; charset=utf-8", INIT.as_bytes())),
        "LICENSE-graphiql" => Some((
            "text/plain; charset=utf-8",
            include_bytes!("assets/LICENSE-graphiql"),
        )),
        "LICENSE-react" => Some((
            "text/plain; charset=utf-8",
            include_bytes!("assets/LICENSE-react"),
        )),
        "LICENSE-react-dom" => Some((
            "text/plain; charset=utf-8",
            include_bytes!("assets/LICENSE-react-dom"),
        )),
        _ => None,
    };
    match found {
        Some((content_type, body)) => (
            [
                (header::CONTENT_TYPE, content_type),
                (header::CACHE_CONTROL, "public, max-age=86400"),
            ],
            body,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such asset").into_response(),
    }
}
