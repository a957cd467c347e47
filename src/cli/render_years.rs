//! `render --years 2012-2024`: one page per year (firms alive that year, the newest
//! highlighted) as the frames of an animated PNG (APNG, 0.8 s a frame, looping).

use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};

use cluster_atlas::export::{self, ExportData, ExportOptions};
use cluster_atlas::scene::{self, SceneInput, SceneSettings};

/// `2012-2024` → (2012, 2024), within the documented year range and at most 60 frames.
pub fn parse_years(s: &str) -> Result<(i32, i32)> {
    let (a, b) = s
        .split_once(['-', '–', ':'])
        .ok_or_else(|| anyhow!("--years must look like 2012-2024, got '{s}'"))?;
    let y = |t: &str| {
        cluster_atlas::model::limits::YEAR
            .parse(t)
            .map(|v| v as i32)
            .map_err(|e| anyhow!("--years: {e}"))
    };
    let (a, b) = (y(a)?, y(b)?);
    if b < a || b - a >= 60 {
        bail!("--years needs a first year before the last and at most 60 years, got '{s}'");
    }
    Ok((a, b))
}

/// Draws every year's page and writes them as an APNG to `out`.
pub fn write_animation(
    out: &Path,
    input: &SceneInput,
    settings: &SceneSettings,
    data: &ExportData,
    opts: &ExportOptions,
    stamp: &export::Stamp,
    years: (i32, i32),
) -> Result<usize> {
    let mut frames: Vec<Vec<u8>> = Vec::new();
    let (mut w, mut h) = (0u32, 0u32);
    for year in years.0..=years.1 {
        let mut s = settings.clone();
        s.year = Some(year);
        let sc = scene::build(input, &s);
        let ed = ExportData {
            scene: &sc,
            ..*data
        };
        let mut o = opts.clone();
        o.subtitle = Some(match &opts.subtitle {
            Some(sub) => format!("{year} · {sub}"),
            None => year.to_string(),
        });
        let layout = export::page_layout(&sc, &o)?;
        let vp = export::map_viewport(&ed, &o.extent, &layout)?;
        let mut c = export::png::PngCanvas::new(layout.width as u32, layout.height as u32)
            .ok_or_else(|| anyhow!("the page is too large"))?;
        export::render_page(&mut c, &ed, &o, stamp, &layout, &vp);
        (w, h) = (c.pixmap.width(), c.pixmap.height());
        // The page is opaque: premultiplied equals straight colour.
        frames.push(c.pixmap.data().to_vec());
    }
    let n = frames.len();
    cluster_atlas::output::atomic_write(out, |file| {
        let mut enc = png::Encoder::new(file, w, h);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        let io = |e: png::EncodingError| std::io::Error::other(e.to_string());
        enc.set_animated(n as u32, 0).map_err(io)?;
        enc.set_frame_delay(4, 5).map_err(io)?;
        let mut writer = enc.write_header().map_err(io)?;
        for f in &frames {
            writer.write_image_data(f).map_err(io)?;
        }
        writer.finish().map_err(io)
    })
    .with_context(|| format!("cannot write {}", out.display()))?;
    Ok(n)
}
