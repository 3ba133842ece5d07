//! Calling an app in-process the way actix-web's server does: an `Err` from the service is turned
//! into its error response (with every response mapper a middleware added), which is what a
//! client receives.

use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::HeaderMap;
use actix_web::http::StatusCode;
use actix_web::Error;

/// What a client receives.
#[derive(Debug)]
pub struct Reply {
    /// The status.
    pub status: StatusCode,
    /// Every header line.
    pub headers: HeaderMap,
    /// The body, as text (lossy).
    pub body: String,
    /// Whether the service returned `Err` (turned into its response).
    pub was_err: bool,
}

/// Sends `req` to `app` and reads the whole reply.
pub async fn send<S, B>(app: &S, req: Request) -> Reply
where
    S: Service<Request, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody + 'static,
{
    let (res, was_err) = match app.call(req).await {
        Ok(res) => (res.into_parts().1.map_into_boxed_body(), false),
        Err(e) => (e.error_response(), true),
    };
    let status = res.status();
    let headers = res.headers().clone();
    let body =
        actix_web::body::to_bytes(res.into_body()).await.unwrap_or_else(|_| panic!("cannot read the body"));
    Reply { status, headers, body: String::from_utf8_lossy(&body).into_owned(), was_err }
}
