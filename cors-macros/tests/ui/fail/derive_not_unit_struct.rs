use cors_macros::CorsPolicy;

#[derive(CorsPolicy)]
#[cors(origin = "https://partner.example")]
struct Partner {
    _name: String,
}

fn main() {}
