//! A small HTTP/1.1 client over a plain `TcpStream`: raw bytes out, one parsed response in, so
//! tests can send what a browser never would (several header lines, bytes 0x80-0xFF) and see
//! every header line the server wrote.

use std::io::{self, BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::Duration;

/// One HTTP response.
#[derive(Debug, Clone)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Names in lower case, values as sent.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The body, de-chunked.
    pub body: Vec<u8>,
}

impl Response {
    /// Every line of this header.
    pub fn all(&self, name: &str) -> Vec<&[u8]> {
        self.headers.iter().filter(|(n, _)| n == name).map(|(_, v)| v.as_slice()).collect()
    }

    /// The header's value, if it has exactly one line of UTF-8 (panics on several lines).
    pub fn header(&self, name: &str) -> Option<&str> {
        let all = self.all(name);
        assert!(all.len() <= 1, "several {name} lines: {self:?}");
        all.first().map(|v| std::str::from_utf8(v).expect("UTF-8 header value"))
    }

    /// The tokens of every `Vary` line, lower case.
    pub fn vary(&self) -> Vec<String> {
        self.all("vary")
            .iter()
            .flat_map(|v| {
                String::from_utf8_lossy(v)
                    .split(',')
                    .map(|t| t.trim().to_ascii_lowercase())
                    .collect::<Vec<_>>()
            })
            .filter(|t| !t.is_empty())
            .collect()
    }

    /// Whether the connection stays open after this response.
    pub fn keep_alive(&self) -> bool {
        !self.all("connection").iter().any(|v| v.eq_ignore_ascii_case(b"close"))
    }
}

/// Reads one response; `head` when it answers a HEAD request (no body).
pub fn read_response(r: &mut impl BufRead, head: bool) -> io::Result<Response> {
    let mut line = Vec::new();
    if r.read_until(b'\n', &mut line)? == 0 {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "connection closed before a response"));
    }
    let status_line = String::from_utf8_lossy(&line).into_owned();
    let status = status_line.split(' ').nth(1).and_then(|s| s.parse::<u16>().ok()).ok_or_else(|| {
        io::Error::new(io::ErrorKind::InvalidData, format!("bad status line {status_line:?}"))
    })?;
    let mut headers = Vec::new();
    loop {
        line.clear();
        if r.read_until(b'\n', &mut line)? == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "connection closed in the head"));
        }
        let l = line.strip_suffix(b"\n").unwrap_or(&line);
        let l = l.strip_suffix(b"\r").unwrap_or(l);
        if l.is_empty() {
            break;
        }
        let colon = l.iter().position(|&b| b == b':').ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("bad header line {:?}", l.escape_ascii().to_string()),
            )
        })?;
        let name = String::from_utf8_lossy(&l[..colon]).to_ascii_lowercase();
        headers.push((name, l[colon + 1..].trim_ascii().to_vec()));
    }
    let mut res = Response { status, headers, body: Vec::new() };
    if head || status == 204 || status == 304 || (100..200).contains(&status) {
        return Ok(res);
    }
    let chunked = res.all("transfer-encoding").iter().any(|v| v.eq_ignore_ascii_case(b"chunked"));
    if chunked {
        loop {
            line.clear();
            r.read_until(b'\n', &mut line)?;
            let size = std::str::from_utf8(&line)
                .ok()
                .and_then(|s| usize::from_str_radix(s.trim().split(';').next().unwrap_or(""), 16).ok())
                .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "bad chunk size"))?;
            let mut chunk = vec![0; size + 2];
            r.read_exact(&mut chunk)?;
            res.body.extend_from_slice(&chunk[..size]);
            if size == 0 {
                break;
            }
        }
    } else if let Some(len) = res.header("content-length") {
        let len: usize =
            len.parse().map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "content-length"))?;
        res.body.resize(len, 0);
        r.read_exact(&mut res.body)?;
    } else {
        r.read_to_end(&mut res.body)?;
    }
    Ok(res)
}

/// Sends `raw` on a new connection and reads one response.
pub fn send(addr: &str, raw: &[u8]) -> io::Result<Response> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(20)))?;
    stream.write_all(raw)?;
    let head = raw.starts_with(b"HEAD ");
    read_response(&mut BufReader::new(stream), head)
}
