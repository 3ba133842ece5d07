use cors_macros::CorsPolicy;

#[derive(CorsPolicy)]
struct Partner;

fn main() {
    let _ = Partner;
}
