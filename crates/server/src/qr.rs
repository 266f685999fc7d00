//! QR codes of links people scan (a room's kiosk link), as SVG: no image stack.

/// `text` as an SVG QR code, medium error correction (survives a scuffed print); `None` when
/// it is too long for a QR code.
pub fn svg(text: &str) -> Option<String> {
    match qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M) {
        Ok(code) => Some(code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(240, 240).build()),
        Err(err) => {
            tracing::warn!(%err, length = text.len(), "the kiosk link is too long for a QR code");
            None
        }
    }
}
