//! The actix-web behaviours the precedence protocol relies on (the list in
//! `src/precedence/mod.rs`), each pinned with actix-web's own API only, so that an upgrade that
//! changes one fails here, by number, before it breaks precedence in an app.

use std::cell::RefCell;
use std::future::{ready, Ready};
use std::rc::Rc;

use actix_web::body::MessageBody;
use actix_web::dev::{
    AppService, HttpServiceFactory, ResourceDef, ResourceMap, Service, ServiceRequest, ServiceResponse,
    Transform,
};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers, NormalizePath};
use actix_web::test::{call_service, init_service, TestRequest};
use actix_web::{guard, web, App, Error, HttpMessage, HttpResponse};

// ---------------------------------------------------------------------------------------------
// 1. Services register before middleware is built, and the map is finished in between: a nested
//    node registered with `register_service` knows its full pattern when middleware is built.

thread_local! {
    static NODES: RefCell<Vec<Rc<ResourceMap>>> = const { RefCell::new(Vec::new()) };
    static SEEN_AT_BUILD: RefCell<Vec<Option<String>>> = const { RefCell::new(Vec::new()) };
}

/// Registers a nested node `/\u{1}node` with one child, never routed to, and remembers it.
struct Node;

impl HttpServiceFactory for Node {
    fn register(self, config: &mut AppService) {
        let mut map = ResourceMap::new(ResourceDef::root_prefix("/\u{1}node"));
        let mut child = ResourceDef::new("");
        child.set_name("\u{1}node-child");
        map.add(&mut child, None);
        let map = Rc::new(map);
        NODES.with(|n| n.borrow_mut().push(map.clone()));
        let never: Vec<Box<dyn guard::Guard>> = vec![Box::new(guard::fn_guard(|_| false))];
        let service = actix_service::fn_service(|req: ServiceRequest| {
            ready(Ok::<_, Error>(req.into_response(HttpResponse::NotFound())))
        });
        config.register_service(ResourceDef::root_prefix("/\u{1}node"), Some(never), service, Some(map));
    }
}

/// A middleware that reads every remembered node's full pattern when it is built.
struct ReadAtBuild;

impl<S, B> Transform<S, ServiceRequest> for ReadAtBuild
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Transform = S;
    type InitError = ();
    type Future = Ready<Result<S, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        let seen: Vec<Option<String>> =
            NODES.with(|n| n.borrow().iter().map(|m| m.match_pattern("/\u{1}node")).collect());
        SEEN_AT_BUILD.with(|s| *s.borrow_mut() = seen);
        ready(Ok(service))
    }
}

#[actix_web::test]
async fn _1_a_nested_node_knows_its_full_pattern_when_middleware_is_built() {
    // Before the app's map is finished, a node knows only itself.
    let lone = {
        let mut map = ResourceMap::new(ResourceDef::root_prefix("/\u{1}node"));
        map.add(&mut ResourceDef::new(""), None);
        map
    };
    assert_eq!(lone.match_pattern("/\u{1}node").as_deref(), Some(""), "a child without parents");
    NODES.with(|n| n.borrow_mut().clear());
    let _app = init_service(
        App::new()
            .service(Node)
            .service(web::scope("/outer/{v}").service(web::scope("/inner").service(Node)))
            .wrap_fn(|req, srv| srv.call(req))
            .wrap(ReadAtBuild),
    )
    .await;
    let seen = SEEN_AT_BUILD.with(|s| s.borrow().clone());
    assert_eq!(
        seen,
        [Some("/\u{1}node".to_owned()), Some("/outer/{v}/inner/\u{1}node".to_owned())],
        "the full patterns, when the app's middleware is built"
    );
}

// ---------------------------------------------------------------------------------------------
// 2. Every `AppService` of one app has the same default service; two apps, two, for as long as
//    a weak reference holds the first one's allocation (its address is reused once freed).

thread_local! {
    static DEFAULTS: RefCell<Vec<std::rc::Weak<dyn std::any::Any>>> = const { RefCell::new(Vec::new()) };
}

struct RecordDefault;

impl HttpServiceFactory for RecordDefault {
    fn register(self, config: &mut AppService) {
        let default = config.default_service();
        let weak = Rc::downgrade(&default);
        let weak: std::rc::Weak<dyn std::any::Any> = weak;
        DEFAULTS.with(|d| d.borrow_mut().push(weak));
    }
}

#[actix_web::test]
async fn _2_one_default_service_per_app() {
    let build = || {
        App::new()
            .service(RecordDefault)
            .service(web::scope("/a").service(RecordDefault).service(web::scope("/b").service(RecordDefault)))
    };
    let one = init_service(build()).await;
    let two = init_service(build()).await;
    let seen = DEFAULTS.with(|d| d.borrow().clone());
    assert_eq!(seen.len(), 6);
    assert!(seen[..3].iter().all(|p| p.ptr_eq(&seen[0])), "one app");
    assert!(seen[3..].iter().all(|p| p.ptr_eq(&seen[3])), "another app");
    assert!(!seen[0].ptr_eq(&seen[3]), "two apps");
    drop((one, two));
}

// ---------------------------------------------------------------------------------------------
// 3. `match_name` and `match_pattern` walk in registration order, ignoring guards, and never
//    sideways once a scope's prefix matched; `url_for` finds a nested name from the root.

#[actix_web::test]
async fn _3_the_resource_map_walk() {
    let app = init_service(
        App::new()
            .service(web::resource("/items/{id}").name("by-id").guard(guard::Get()).to(HttpResponse::Ok))
            .service(web::resource("/items/new").name("new").to(HttpResponse::Ok))
            .service(
                web::scope("/s")
                    .guard(guard::Host("nowhere.example"))
                    .service(web::resource("/x").name("first-x").to(HttpResponse::Ok)),
            )
            .service(web::scope("/s").service(web::resource("/y").name("second-y").to(HttpResponse::Ok)))
            .service(
                web::scope("/deep/{v}").service(web::resource("/leaf").name("leaf").to(HttpResponse::Ok)),
            )
            .route(
                "/check",
                web::get().to(|req: actix_web::HttpRequest| async move {
                    let rmap = req.resource_map();
                    let url = rmap.url_for(&req, "leaf", ["1"]).map(|u| u.path().to_owned());
                    let missing = rmap.url_for(&req, "nothing", ["1"]).is_err();
                    HttpResponse::Ok().body(format!(
                        "{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{}",
                        rmap.match_name("/items/new"),
                        rmap.match_pattern("/items/new"),
                        rmap.match_name("/s/x"),
                        rmap.match_name("/s/y"),
                        rmap.match_pattern("/deep/9/leaf"),
                        url,
                        missing
                    ))
                }),
            ),
    )
    .await;
    let res = call_service(&app, TestRequest::get().uri("/check").to_request()).await;
    let body = actix_web::test::read_body(res).await;
    assert_eq!(
        std::str::from_utf8(&body).unwrap(),
        "Some(\"by-id\")|Some(\"/items/{id}\")|Some(\"first-x\")|None|Some(\"/deep/{v}/leaf\")|Ok(\"/deep/1/leaf\")|true",
        "guards ignored (by-id's GET guard, the first /s scope's Host guard), no sideways look into the \
         second /s scope, full patterns, url_for from the root"
    );
    // Routing, by contrast, evaluates the guards: the PUT skips `by-id`, the second `/s` is reached.
    let res = call_service(&app, TestRequest::put().uri("/items/new").to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = call_service(&app, TestRequest::get().uri("/s/y").to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
}

// ---------------------------------------------------------------------------------------------
// 4. Routing matches the percent-decoded path (`%2F`, `%25`, `+` kept), which
//    `match_info().as_str()` shows before routing; `NormalizePath` rewrites it first.

async fn seen_before_routing<S, B>(app: &S, uri: &str) -> String
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody,
{
    let res = call_service(app, TestRequest::get().uri(uri).to_request()).await;
    res.headers().get("x-seen").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
}

#[actix_web::test]
async fn _4_the_path_routing_sees() {
    let app = init_service(
        App::new()
            .route("/users/{id}", web::get().to(|id: web::Path<String>| async move { id.into_inner() }))
            .wrap_fn(|req, srv| {
                let seen = req.match_info().as_str().to_owned();
                let fut = srv.call(req);
                async move {
                    let mut res = fut.await?;
                    res.headers_mut().insert("x-seen".try_into().unwrap(), seen.try_into().unwrap());
                    Ok(res)
                }
            }),
    )
    .await;
    assert_eq!(seen_before_routing(&app, "/us%65rs/%31").await, "/users/1");
    assert_eq!(seen_before_routing(&app, "/users%2F1").await, "/users%2F1");
    assert_eq!(seen_before_routing(&app, "/users/a%25b+c").await, "/users/a%25b+c");
    let res = call_service(&app, TestRequest::get().uri("/us%65rs/%31").to_request()).await;
    assert_eq!(actix_web::test::read_body(res).await, "1", "and routing reached the resource");
    let res = call_service(&app, TestRequest::get().uri("/users%2F1").to_request()).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    let normalized = init_service(
        App::new()
            .route("/a/b", web::get().to(HttpResponse::Ok))
            .wrap_fn(|req, srv| {
                let seen = req.match_info().as_str().to_owned();
                let fut = srv.call(req);
                async move {
                    let mut res = fut.await?;
                    res.headers_mut().insert("x-seen".try_into().unwrap(), seen.try_into().unwrap());
                    Ok(res)
                }
            })
            .wrap(NormalizePath::trim()),
    )
    .await;
    assert_eq!(seen_before_routing(&normalized, "//a//b/").await, "/a/b");
}

// ---------------------------------------------------------------------------------------------
// 5. A route attribute's guards are resource guards: routing skips the resource and tries the
//    next; `ServiceRequest::guard_ctx` evaluates a guard as routing does.

#[actix_web::get("/same")]
async fn same_get() -> &'static str {
    "get"
}

#[actix_web::put("/same")]
async fn same_put() -> &'static str {
    "put"
}

#[actix_web::test]
async fn _5_route_guards_are_resource_guards() {
    let app = init_service(App::new().service(same_get).service(same_put).wrap_fn(|req, srv| {
        let host = guard::Host("h.example");
        let passed = guard::Guard::check(&host, &req.guard_ctx());
        let fut = srv.call(req);
        async move {
            let mut res = fut.await?;
            res.headers_mut()
                .insert("x-host-guard".try_into().unwrap(), passed.to_string().try_into().unwrap());
            Ok(res)
        }
    }))
    .await;
    let res =
        call_service(&app, TestRequest::put().uri("/same").insert_header(("host", "h.example")).to_request())
            .await;
    assert_eq!(res.headers().get("x-host-guard").unwrap(), "true");
    assert_eq!(actix_web::test::read_body(res).await, "put", "the GET resource was skipped");
    let res =
        call_service(&app, TestRequest::default().method(Method::PATCH).uri("/same").to_request()).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "no resource's guard passed: the default service");
}

// ---------------------------------------------------------------------------------------------
// 6. Request extensions are shared by the `ServiceRequest` and its response's `HttpRequest`, and
//    survive `ErrorHandlers` rebuilding the response.

#[derive(Clone, Debug, PartialEq)]
struct Mark(&'static str);

#[actix_web::test]
async fn _6_request_extensions_survive_a_rebuilt_response() {
    let app = init_service(
        App::new()
            .route("/", web::get().to(HttpResponse::NotFound))
            .wrap(ErrorHandlers::new().handler(StatusCode::NOT_FOUND, |res: ServiceResponse| {
                let (req, _) = res.into_parts();
                let fresh = HttpResponse::NotFound().body("rebuilt");
                Ok(ErrorHandlerResponse::Response(ServiceResponse::new(req, fresh).map_into_left_body()))
            }))
            .wrap_fn(|req, srv| {
                req.extensions_mut().insert(Mark("before routing"));
                let fut = srv.call(req);
                async move {
                    let res = fut.await?;
                    let mark = res.request().extensions().get::<Mark>().cloned();
                    assert_eq!(mark, Some(Mark("before routing")));
                    Ok(res)
                }
            }),
    )
    .await;
    let res = call_service(&app, TestRequest::get().uri("/").to_request()).await;
    assert_eq!(actix_web::test::read_body(res).await, "rebuilt");
}

// ---------------------------------------------------------------------------------------------
// 7. An `Err`'s response is made after the mappers added to it ran, in the order added.

#[actix_web::test]
async fn _7_error_response_mappers_run_in_order() {
    let mut error = actix_web::error::ErrorUnauthorized("no");
    error.add_response_mapper(|mut res| {
        res.extensions_mut().insert(Mark("inner"));
        res
    });
    error.add_response_mapper(|mut res| {
        let inner = res.extensions().get::<Mark>().cloned();
        assert_eq!(inner, Some(Mark("inner")), "the inner mapper ran first");
        res.headers_mut().insert("x-outer".try_into().unwrap(), "1".try_into().unwrap());
        res
    });
    let res = error.error_response();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(res.headers().get("x-outer").unwrap(), "1");
}

// ---------------------------------------------------------------------------------------------
// 8. `std::any::type_name` names the service a middleware wraps with actix-web's own names.

thread_local! {
    static WRAPPED: RefCell<Vec<&'static str>> = const { RefCell::new(Vec::new()) };
}

struct Names;

impl<S, B> Transform<S, ServiceRequest> for Names
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Transform = S;
    type InitError = ();
    type Future = Ready<Result<S, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        WRAPPED.with(|w| w.borrow_mut().push(std::any::type_name::<S>()));
        ready(Ok(service))
    }
}

#[actix_web::test]
async fn _8_type_names_of_wrapped_services() {
    let _app = init_service(
        App::new()
            .service(web::scope("/s").wrap(Names).route("", web::get().to(HttpResponse::Ok)))
            .service(web::resource("/r").wrap(Names).to(HttpResponse::Ok))
            .wrap(NormalizePath::trim())
            .wrap(Names),
    )
    .await;
    let names = WRAPPED.with(|w| w.borrow().clone());
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(names.iter().any(|n| n.contains("ScopeService")), "{names:?}");
    assert!(names.iter().any(|n| n.contains("ResourceService")), "{names:?}");
    assert!(names.iter().any(|n| n.contains("NormalizePathNormalization")), "{names:?}");
    assert!(!names.iter().any(|n| n.contains("AppRouting") && n.contains("ScopeService")), "{names:?}");
}

// ---------------------------------------------------------------------------------------------
// 9. A server builds each worker's app on the thread that serves it, inner layers before outer
//    ones, and every layer before that worker's first request.

/// What each layer's `new_transform` and each request saw: the thread and the order.
static BUILT: std::sync::Mutex<Vec<(std::thread::ThreadId, &'static str)>> =
    std::sync::Mutex::new(Vec::new());

struct Noted(&'static str);

impl<S, B> Transform<S, ServiceRequest> for Noted
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Transform = S;
    type InitError = ();
    type Future = Ready<Result<S, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        BUILT.lock().unwrap().push((std::thread::current().id(), self.0));
        ready(Ok(service))
    }
}

#[::core::prelude::v1::test]
fn _9_each_worker_builds_its_layers_inside_out_on_its_own_thread_before_serving() {
    use std::io::{Read, Write};
    let (tx, rx) = std::sync::mpsc::channel();
    let server = std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let srv = actix_web::HttpServer::new(|| {
                App::new()
                    .service(web::scope("/s").wrap(Noted("scope")).route(
                        "",
                        web::get().to(|| async {
                            BUILT.lock().unwrap().push((std::thread::current().id(), "request"));
                            HttpResponse::Ok().finish()
                        }),
                    ))
                    .wrap(Noted("app"))
            })
            .workers(2)
            .disable_signals()
            .bind(("127.0.0.1", 0))
            .unwrap();
            let addr = srv.addrs()[0];
            let srv = srv.run();
            tx.send((srv.handle(), addr)).unwrap();
            srv.await
        })
    });
    let (handle, addr) = rx.recv().unwrap();
    for _ in 0..8 {
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(std::time::Duration::from_secs(5))).unwrap();
        stream.write_all(b"GET /s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
        let mut buf = Vec::new();
        stream.read_to_end(&mut buf).unwrap();
        assert!(buf.starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&buf));
    }
    actix_web::rt::System::new().block_on(handle.stop(true));
    server.join().unwrap().unwrap();

    let seen = BUILT.lock().unwrap().clone();
    let requests: Vec<_> = seen.iter().filter(|(_, what)| *what == "request").collect();
    assert_eq!(requests.len(), 8, "{seen:?}");
    for (thread, _) in &requests {
        // Everything this thread did: its layers, inside out, then its requests.
        let on_thread: Vec<&str> = seen.iter().filter(|(t, _)| t == thread).map(|(_, w)| *w).collect();
        assert_eq!(&on_thread[..2], ["scope", "app"], "{seen:?}");
        assert!(on_thread[2..].iter().all(|w| *w == "request"), "{seen:?}");
    }
}
