//! Renderers of a [`Plan`](super::Plan): terminal text, Markdown for a pull
//! request comment (handlebars templates from `templates/`), and JSON.
