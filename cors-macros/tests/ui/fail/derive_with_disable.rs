use cors_macros::CorsPolicy;

#[derive(CorsPolicy)]
#[cors(origin = "https://partner.example", disable)]
struct Partner;

fn main() {
    let _ = Partner;
}
