//! Build-time data generation. Each table has its own module in `build/`.

#[path = "build/ensip15.rs"]
mod ensip15;

fn main() {
    let manifest_dir = std::path::PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    );
    let out_dir =
        std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=build/ensip15.rs");
    ensip15::generate(&manifest_dir, &out_dir);
}
