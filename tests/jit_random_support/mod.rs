//! Support for `tests/jit_random.rs`: seeded generators of random valid
//! programs (`numeric`, `objects`), running one program through the
//! `kiln` binary in both tiers with a time limit (`runner`), and shrinking
//! a program that shows a difference (`minimise`).

pub mod minimise;
pub mod numeric;
pub mod objects;
pub mod rng;
pub mod runner;
pub mod writer;

/// Every generated program starts with these: `ck` turns any value into a
/// short printable checksum (big ints reduced, so no output hits CPython's
/// int-to-str digit limit) and `num` into an int to accumulate.
pub const CHECKSUM_HELPER: &str = "\
def ck(v):
    if v is None:
        return \"N\"
    if v is True:
        return \"T\"
    if v is False:
        return \"F\"
    if type(v) is int:
        return v % 1000000007
    return v

def num(v):
    if type(v) is int:
        return v % 1000000007
    if type(v) is float and v == v and abs(v) < 1e18:
        return int(v)
    return 1
";

/// The two program families.
#[derive(Clone, Copy, Debug)]
pub enum Family {
    Numeric,
    Objects,
}

impl Family {
    pub fn name(self) -> &'static str {
        match self {
            Family::Numeric => "numeric",
            Family::Objects => "objects",
        }
    }

    pub fn generate(self, seed: u64) -> String {
        let mut rng = rng::Rng::new(seed);
        let body = match self {
            Family::Numeric => numeric::program(&mut rng),
            Family::Objects => objects::program(&mut rng),
        };
        format!("# kiln random program: {} seed {seed}\n{body}", self.name())
    }
}
