//! An instance's frames: `/instances/{id}/frames` lists them; `/preview` and `/rendered` (of
//! the first frame, or of `/frames/{n}`) answer PNG, or JPEG when the `Accept` header prefers
//! it (`?quality`, 90 by default); `/frames/{n}/raw` answers a frame's bytes as stored. The
//! decoding and the windowing are `crate::dicom::render`.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::get;
use dicom_dictionary_std::{tags, uids};
use image::DynamicImage;

use super::answer::{self, ApiError, ApiResult, OrthancCode};
use super::resources::known;
use super::{App, blocking};
use crate::dicom::render::{self, RenderError, Window};
use crate::store::ids::Level;

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Preview,
    Rendered,
}

pub fn routes() -> Router<App> {
    use Mode::{Preview, Rendered};
    Router::new()
        .route("/instances/{id}/frames", get(list))
        .route(
            "/instances/{id}/preview",
            get(|s, p, q, h| image(s, p, q, h, Preview)),
        )
        .route(
            "/instances/{id}/rendered",
            get(|s, p, q, h| image(s, p, q, h, Rendered)),
        )
        .route(
            "/instances/{id}/frames/{frame}/preview",
            get(|s, p, q, h| frame_image(s, p, q, h, Preview)),
        )
        .route(
            "/instances/{id}/frames/{frame}/rendered",
            get(|s, p, q, h| frame_image(s, p, q, h, Rendered)),
        )
        .route("/instances/{id}/frames/{frame}/raw", get(raw))
}

/// The frame indices: none without Pixel Data, else NumberOfFrames (1 when absent).
async fn list(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    blocking(move || {
        known(&app, Level::Instance, &id)?;
        let obj = app.node.instance_object(&id)?;
        let n = if obj.get(tags::PIXEL_DATA).is_some() {
            render::frame_count(&obj)
        } else {
            0
        };
        Ok(answer::json(&(0..n).collect::<Vec<u32>>()))
    })
    .await
}

/// A frame number as Orthanc parses it; anything else names no frame (404).
fn frame_number(text: &str) -> Result<u32, ApiError> {
    text.parse()
        .map_err(|_| ApiError::bare(StatusCode::NOT_FOUND))
}

fn render_error(e: RenderError) -> ApiError {
    match e {
        RenderError::NoSuchFrame { .. } => ApiError::bare(StatusCode::NOT_FOUND),
        RenderError::Unsupported(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            OrthancCode::NotImplemented,
            e.to_string(),
        ),
        RenderError::Malformed(_) => ApiError::new(
            StatusCode::BAD_REQUEST,
            OrthancCode::BadFileFormat,
            e.to_string(),
        ),
    }
}

async fn image(
    state: State<App>,
    Path(id): Path<String>,
    query: Query<HashMap<String, String>>,
    headers: HeaderMap,
    mode: Mode,
) -> ApiResult {
    answer_image(state.0, id, 0, query.0, headers, mode).await
}

async fn frame_image(
    state: State<App>,
    Path((id, frame)): Path<(String, String)>,
    query: Query<HashMap<String, String>>,
    headers: HeaderMap,
    mode: Mode,
) -> ApiResult {
    let frame = frame_number(&frame)?;
    answer_image(state.0, id, frame, query.0, headers, mode).await
}

/// The encoding the client accepts: PNG first (also for `*/*`, `image/*` or no header), JPEG
/// when it comes first; Orthanc's 406 when neither is acceptable.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Encoding {
    Png,
    Jpeg,
}

fn negotiate(headers: &HeaderMap) -> Result<Encoding, ApiError> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Ok(Encoding::Png);
    };
    for kind in accept.split(',') {
        let kind = kind
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match kind.as_str() {
            "image/png" | "image/*" | "*/*" | "*" => return Ok(Encoding::Png),
            "image/jpeg" => return Ok(Encoding::Jpeg),
            _ => {}
        }
    }
    Err(ApiError::new(
        StatusCode::NOT_ACCEPTABLE,
        OrthancCode::NotAcceptable,
        format!("Accept: {accept} names neither image/png nor image/jpeg"),
    ))
}

fn number<T: std::str::FromStr>(
    q: &HashMap<String, String>,
    name: &str,
) -> Result<Option<T>, ApiError> {
    q.get(name)
        .map(|v| {
            v.trim().parse().map_err(|_| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    OrthancCode::ParameterOutOfRange,
                    format!("Bad value for argument: {name}"),
                )
            })
        })
        .transpose()
}

fn quality(q: &HashMap<String, String>) -> Result<u8, ApiError> {
    match number::<u32>(q, "quality")? {
        None => Ok(90),
        Some(v @ 1..=100) => Ok(v as u8),
        Some(v) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            OrthancCode::ParameterOutOfRange,
            format!("quality must be between 1 and 100, not {v}"),
        )),
    }
}

async fn answer_image(
    app: App,
    id: String,
    frame: u32,
    q: HashMap<String, String>,
    headers: HeaderMap,
    mode: Mode,
) -> ApiResult {
    let encoding = negotiate(&headers)?;
    let quality = quality(&q)?;
    let center = number::<f32>(&q, "window-center")?;
    let width = number::<f32>(&q, "window-width")?;
    let size = (number::<u32>(&q, "width")?, number::<u32>(&q, "height")?);
    blocking(move || {
        known(&app, Level::Instance, &id)?;
        let obj = app.node.instance_object(&id)?;
        let decoded = render::decode(&obj, frame).map_err(render_error)?;
        let invert = render::inverted(&obj);
        let image = match mode {
            Mode::Preview => render::preview(decoded, invert),
            Mode::Rendered => {
                let mut window = Window::of(&obj);
                window.center = center.unwrap_or(window.center);
                window.width = width.unwrap_or(window.width);
                resized(render::rendered(decoded, window, invert), size)
            }
        };
        let (jpeg, content_type) = match encoding {
            Encoding::Png => (None, "image/png"),
            Encoding::Jpeg => (Some(quality), "image/jpeg"),
        };
        let bytes = render::encode(&image, jpeg).map_err(|e| {
            ApiError::from(crate::error::Error::Internal(format!("cannot encode: {e}")))
        })?;
        Ok(answer::bytes(content_type, bytes))
    })
    .await
}

/// Orthanc's `?width`/`?height` of `/rendered`: the image scaled to fit, keeping its ratio.
fn resized(image: DynamicImage, (w, h): (Option<u32>, Option<u32>)) -> DynamicImage {
    let (iw, ih) = (image.width() as f32, image.height() as f32);
    let ratio = match (w.filter(|v| *v > 0), h.filter(|v| *v > 0)) {
        (Some(w), Some(h)) => (w as f32 / iw).min(h as f32 / ih),
        (Some(w), None) => w as f32 / iw,
        (None, Some(h)) => h as f32 / ih,
        (None, None) => return image,
    };
    // Bounded: a client may shrink an image, or enlarge it up to 4096 pixels a side.
    let tw = ((iw * ratio).round() as u32).clamp(1, 4096);
    let th = ((ih * ratio).round() as u32).clamp(1, 4096);
    image.resize_exact(tw, th, image::imageops::FilterType::Triangle)
}

/// A frame's bytes as stored: JPEG for JPEG Baseline, else `application/octet-stream`.
async fn raw(State(app): State<App>, Path((id, frame)): Path<(String, String)>) -> ApiResult {
    let frame = frame_number(&frame)?;
    blocking(move || {
        known(&app, Level::Instance, &id)?;
        let obj = app.node.instance_object(&id)?;
        let bytes = render::raw_frame(&obj, frame).map_err(render_error)?;
        let ts = obj.meta().transfer_syntax().trim_end_matches('\0');
        let content_type = if ts == uids::JPEG_BASELINE8_BIT {
            "image/jpeg"
        } else {
            "application/octet-stream"
        };
        Ok(answer::bytes(content_type, bytes))
    })
    .await
}
