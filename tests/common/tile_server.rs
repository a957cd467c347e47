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
