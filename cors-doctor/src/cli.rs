//! The command line: what `cors-doctor` accepts, and the page request it describes.

use clap::Parser;
use cors_core::client::{CredentialsMode, PageRequest, UsageErrors};

/// Checks a deployment as a browser would.
#[derive(Clone, Debug, Parser)]
#[command(
    name = "cors-doctor",
    version,
    about = "Will the browser let my frontend read this API? Sends what a page's fetch() would send \
             (the preflight when one is needed, then the request) and says whether the page could \
             read the response, and if not, why and what to change on the server.",
    after_help = AFTER_HELP
)]
pub struct Args {
    /// The URL the page fetches (http or https).
    #[arg(value_name = "URL")]
    pub url: String,

    /// The page's origin, as browsers send it: scheme://host or scheme://host:port (no path, no trailing
    /// slash, no default port), or `null` for a sandboxed or file:// page.
    #[arg(long, value_name = "ORIGIN")]
    pub origin: String,

    /// The method, as the page passes it to fetch(); DELETE, GET, HEAD, OPTIONS, POST and PUT
    /// are upper-cased as browsers do, any other is sent as written.
    #[arg(long, short = 'X', value_name = "M", default_value = "GET")]
    pub method: String,

    /// A header the page sets, as 'Name: value'; repeat for more. Headers a script may not set
    /// (Cookie, Origin, Host, Sec-*, ...) are refused.
    #[arg(long = "header", short = 'H', value_name = "'Name: value'")]
    pub headers: Vec<String>,

    /// The page includes credentials (fetch's credentials: "include", XHR's withCredentials).
    /// Without it, fetch's default ("same-origin") is assumed. No cookies are sent either way.
    #[arg(long)]
    pub credentials: bool,

    /// Print one JSON object (the request, every exchange and the verdict) instead of text.
    #[arg(long)]
    pub json: bool,

    /// Seconds to wait for each exchange before giving up (exit status 2).
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub timeout: u64,
}

const AFTER_HELP: &str = "\
The doctor acts as a fresh browser: nothing cached, no cookies, no body. It sends the headers the
page sets, Accept and Origin (plus Host, User-Agent, and Content-Length: 0 for POST, PUT and
PATCH), follows redirects itself as the browser would (with a new preflight where one is needed),
and never sends the request after a failed preflight.

Exit status:
  0  the page could read the response (whatever its status: a readable 404 is still readable)
  1  the browser would block it; the reason is printed as Chromium words it, with the fix
  2  usage error, or a network error (DNS, connection, TLS, timeout), with the reason

Examples:
  cors-doctor https://api.example.com/items --origin https://app.example.com
  cors-doctor https://api.example.com/items --origin https://app.example.com \\
      --method PUT -H 'Content-Type: application/json' -H 'Authorization: Bearer x' --credentials
  cors-doctor https://api.example.com/health --origin https://app.example.com --json";

impl Args {
    /// The request the page makes, checked as `fetch()` would check it; on failure, every
    /// problem in words, one per item.
    pub fn page_request(&self) -> Result<PageRequest, Vec<String>> {
        let mut builder = PageRequest::builder(&self.origin, &self.url).method(&self.method);
        let mut errors = Vec::new();
        for line in &self.headers {
            match line.split_once(':') {
                Some((name, value)) if !name.trim().is_empty() => {
                    builder = builder.header(name.trim(), value.as_bytes());
                }
                _ => errors.push(format!("--header \"{line}\" is not 'Name: value'")),
            }
        }
        if self.credentials {
            builder = builder.credentials(CredentialsMode::Include);
        }
        match builder.build() {
            Ok(request) if errors.is_empty() => Ok(request),
            Ok(_) => Err(errors),
            Err(UsageErrors(found)) => {
                errors.splice(0..0, found.iter().map(ToString::to_string));
                Err(errors)
            }
        }
    }
}
