use cors_macros::cors;

#[cors(origin = "https://myapp.com")]
struct Partner;

fn main() {
    let _ = Partner;
}
