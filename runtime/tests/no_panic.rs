//! Property test: arbitrary input to `run_source` never panics (each run is
//! bounded by the interrupt flag).

mod support;

use proptest::prelude::*;
use std::time::Duration;

const FRAGMENTS: &[&str] = &[
    "x = 1\n",
    "x = x + 1\n",
    "y = [1, 2, 3]\n",
    "y[x] = None\n",
    "print(x, y)\n",
    "def f(a, b=2):\n    return a * b\n",
    "x = f(x)\n",
    "x = f(y, 'a')\n",
    "for i in range(3):\n    x = i // (i - 1)\n",
    "z = {x: y}\n",
    "x = x ** 100\n",
    "x = -x >> 70\n",
    "x = 'a' * 3 + str(x)\n",
    "try:\n    x = y[10]\nexcept IndexError as e:\n    x = e\n",
    "class C:\n    def __eq__(self, o):\n        return 1 / 0\n",
    "s = {C(): 1, C(): 2}\n",
    "x = len(x)\n",
    "while x:\n    x = x - 1\n",
    "def g():\n    yield x\n    yield from g()\n",
    "x = list(g())\n",
    "x = 1.5 % 0\n",
    "x = int('zz')\n",
    "x = sorted([3, 'a'])\n",
    "del x\n",
    "x = [*y, *y]\n",
    "x = {**z}\n",
];

fn no_panic(src: &str) {
    // `run_with_deadline` panics (via join) only if the runtime panicked.
    let _ = support::run_with_deadline(src, Some(Duration::from_millis(200)));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_programs_never_panic(picks in proptest::collection::vec(0..FRAGMENTS.len(), 0..12)) {
        let src: String = picks.iter().map(|&i| FRAGMENTS[i]).collect();
        no_panic(&src);
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        no_panic(&String::from_utf8_lossy(&bytes));
    }
}
