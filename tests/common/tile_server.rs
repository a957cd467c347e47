//! A tiny HTTP tile server on 127.0.0.1 for the tile tests: each request is answered by a
//! handler given the path and how many times that path was asked for before; every request is
//! logged with its time.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One answer.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Wait this long before answering (for timeouts).
    pub delay: Duration,
}

impl Reply {
    pub fn ok(body: Vec<u8>) -> Self {
        Self::status(200).body(body)
    }

    pub fn status(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            delay: Duration::ZERO,
        }
    }

    pub fn body(mut self, b: Vec<u8>) -> Self {
        self.body = b;
        self
    }

    pub fn header(mut self, k: &str, v: &str) -> Self {
        self.headers.push((k.into(), v.into()));
        self
    }

    pub fn delay(mut self, d: Duration) -> Self {
        self.delay = d;
        self
    }
}

type Handler = dyn Fn(&str, usize) -> Reply + Send + Sync;

/// A running server; it stops with the test process.
pub struct TileServer {
    pub port: u16,
    log: Arc<Mutex<Vec<(String, Instant, String)>>>,
}

impl TileServer {
    pub fn start(handler: impl Fn(&str, usize) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let log: Arc<Mutex<Vec<(String, Instant, String)>>> = Arc::default();
        let handler: Arc<Handler> = Arc::new(handler);
        let l2 = Arc::clone(&log);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (log, handler) = (Arc::clone(&l2), Arc::clone(&handler));
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut first = String::new();
                    if reader.read_line(&mut first).is_err() {
                        return;
                    }
                    let mut ua = String::new();
                    loop {
                        let mut line = String::new();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                            break;
                        }
                        if let Some(v) = line.to_ascii_lowercase().strip_prefix("user-agent:") {
                            ua = v.trim().to_string();
                        }
                    }
                    let path = first.split_whitespace().nth(1).unwrap_or("").to_string();
                    let before = {
                        let mut l = log.lock().unwrap();
                        let n = l.iter().filter(|(p, _, _)| *p == path).count();
                        l.push((path.clone(), Instant::now(), ua));
                        n
                    };
                    let r = handler(&path, before);
                    std::thread::sleep(r.delay);
                    let mut s = stream;
                    let mut head = format!(
                        "HTTP/1.1 {} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                        r.status,
                        r.body.len()
                    );
                    for (k, v) in &r.headers {
                        head.push_str(&format!("{k}: {v}\r\n"));
                    }
                    head.push_str("\r\n");
                    let _ = s.write_all(head.as_bytes());
                    let _ = s.write_all(&r.body);
                });
            }
        });
        Self { port, log }
    }

    /// `http://127.0.0.1:PORT/{z}/{x}/{y}.png`
    pub fn template(&self) -> String {
        format!("http://127.0.0.1:{}/{{z}}/{{x}}/{{y}}.png", self.port)
    }

    /// Requests so far: path, time, user agent.
    pub fn log(&self) -> Vec<(String, Instant, String)> {
        self.log.lock().unwrap().clone()
    }

    pub fn count(&self, path: &str) -> usize {
        self.log().iter().filter(|(p, _, _)| p == path).count()
    }
}

/// A PNG of one colour.
pub fn png(size: u32, rgba: [u8; 4]) -> Vec<u8> {
    let img = image::RgbaImage::from_pixel(size, size, image::Rgba(rgba));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// Parses `/z/x/y.png`.
pub fn zxy(path: &str) -> Option<(u8, u32, u32)> {
    let mut it = path
        .trim_start_matches('/')
        .trim_end_matches(".png")
        .split('/');
    Some((
        it.next()?.parse().ok()?,
        it.next()?.parse().ok()?,
        it.next()?.parse().ok()?,
    ))
}

/// WGS-84 points inside the test's extent (central Shenzhen, Futian).
pub const POINTS: [(f64, f64); 6] = [
    (114.0455, 22.5340),
    (114.0520, 22.5475),
    (114.0610, 22.5385),
    (114.0680, 22.5510),
    (114.0575, 22.5330),
    (114.0705, 22.5415),
];
pub const BBOX: &str = "bbox:114.040,22.530,114.075,22.555";

/// Web Mercator world pixels at zoom z, written out here independently of the program.
pub fn mercator(lon: f64, lat: f64, z: u8) -> (f64, f64) {
    let n = 256.0 * 2f64.powi(i32::from(z));
    let phi = lat.to_radians();
    let y = (1.0 - (phi.tan() + 1.0 / phi.cos()).ln() / std::f64::consts::PI) / 2.0 * n;
    ((lon + 180.0) / 360.0 * n, y)
}

/// Tiles: white, with a blue ring (radii 6–8 px) around the GCJ-02 position of every point
/// (converted with the `coordtransform` crate, not the program's own code).
pub fn ring_tiles(path: &str) -> Reply {
    let Some((z, tx, ty)) = zxy(path) else {
        return Reply::status(404);
    };
    let mut img = image::RgbaImage::from_pixel(256, 256, image::Rgba([255, 255, 255, 255]));
    for (lon, lat) in POINTS {
        let (glon, glat) = coordtransform::wgs84_to_gcj02(lon, lat);
        let (wx, wy) = mercator(glon, glat, z);
        let (cx, cy) = (wx - f64::from(tx) * 256.0, wy - f64::from(ty) * 256.0);
        for y in 0..256u32 {
            for x in 0..256u32 {
                let d =
                    ((f64::from(x) + 0.5 - cx).powi(2) + (f64::from(y) + 0.5 - cy).powi(2)).sqrt();
                if (6.0..=8.0).contains(&d) {
                    img.put_pixel(x, y, image::Rgba([0, 0, 255, 255]));
                }
            }
        }
    }
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    Reply::ok(out.into_inner())
}

pub fn firms_csv(dir: &std::path::Path) -> std::path::PathBuf {
    let mut s = String::from("id,name,lon,lat,segment\n");
    for (i, (lon, lat)) in POINTS.iter().enumerate() {
        s.push_str(&format!("P{i},point {i},{lon},{lat},hardware\n"));
    }
    let p = dir.join("points.csv");
    std::fs::write(&p, s).unwrap();
    p
}

/// Weighted centroid of `weight` in a square window around (x, y).
pub fn centroid(
    img: &image::RgbaImage,
    x: f64,
    y: f64,
    r: i64,
    weight: impl Fn([u8; 4]) -> f64,
) -> Option<(f64, f64)> {
    let (mut sw, mut sx, mut sy) = (0.0, 0.0, 0.0);
    for j in (y as i64 - r)..=(y as i64 + r) {
        for i in (x as i64 - r)..=(x as i64 + r) {
            if i < 0 || j < 0 || i >= i64::from(img.width()) || j >= i64::from(img.height()) {
                continue;
            }
            let w = weight(img.get_pixel(i as u32, j as u32).0);
            sw += w;
            sx += w * (i as f64 + 0.5);
            sy += w * (j as f64 + 0.5);
        }
    }
    (sw > 0.0).then(|| (sx / sw, sy / sw))
}

/// Red firm dots: connected red pixels, their centroids.
pub fn red_dots(img: &image::RgbaImage) -> Vec<(f64, f64)> {
    let red = |p: [u8; 4]| p[0] > 180 && p[1] < 120 && p[2] < 120;
    let (w, h) = (img.width() as usize, img.height() as usize);
    let mut seen = vec![false; w * h];
    let mut out = Vec::new();
    for start in 0..w * h {
        if seen[start] || !red(img.get_pixel((start % w) as u32, (start / w) as u32).0) {
            continue;
        }
        let (mut stack, mut sum, mut n) = (vec![start], (0.0, 0.0), 0.0);
        seen[start] = true;
        while let Some(k) = stack.pop() {
            let (x, y) = (k % w, k / w);
            sum.0 += x as f64 + 0.5;
            sum.1 += y as f64 + 0.5;
            n += 1.0;
            for (dx, dy) in [(-1i64, 0i64), (1, 0), (0, -1), (0, 1)] {
                let (nx, ny) = (x as i64 + dx, y as i64 + dy);
                if nx < 0 || ny < 0 || nx >= w as i64 || ny >= h as i64 {
                    continue;
                }
                let nk = ny as usize * w + nx as usize;
                if !seen[nk] && red(img.get_pixel(nx as u32, ny as u32).0) {
                    seen[nk] = true;
                    stack.push(nk);
                }
            }
        }
        out.push((sum.0 / n, sum.1 / n));
    }
    out
}
