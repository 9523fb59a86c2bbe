//! The `kiln` command line as a user meets it: exit codes, compile errors
//! that name `file:line:col`, constructs outside the subset, `kiln check`.

use std::path::PathBuf;
use std::process::{Command, Output};

const KILN: &str = env!("CARGO_BIN_EXE_kiln");

/// A scratch directory unique to one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kiln-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

fn run_source(name: &str, source: &str) -> Output {
    let dir = scratch(name);
    let file = dir.join(format!("{name}.py"));
    std::fs::write(&file, source).expect("write script");
    Command::new(KILN)
        .args(["run", "--jit", "off"])
        .arg(&file)
        .current_dir(&dir)
        .output()
        .expect("run kiln")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_successful_script_exits_zero() {
    let out = run_source("ok", "print('hi', 1 + 2)\n");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(out.stdout, b"hi 3\n");
}

#[test]
fn an_uncaught_exception_prints_a_traceback_and_exits_one() {
    let out = run_source(
        "boom",
        "def f():\n    raise ValueError('bad')\nprint('x')\nf()\n",
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(out.stdout, b"x\n", "output before the exception is kept");
    let err = stderr(&out);
    assert!(
        err.starts_with("Traceback (most recent call last):"),
        "{err}"
    );
    assert!(err.contains("line 2, in f"), "{err}");
    assert!(err.contains("line 4, in <module>"), "{err}");
    assert_eq!(err.trim_end().lines().last(), Some("ValueError: bad"));
}

#[test]
fn a_traceback_names_every_frame_of_nested_calls_in_order() {
    // The interpreter runs these calls in one loop over a frame stack; the
    // traceback must still list each frame, outermost first, as CPython's.
    let out = run_source(
        "nested",
        "def a():\n    return b() + 1\ndef b():\n    return c() + 1\ndef c():\n    raise ValueError('deep')\na()\n",
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let frames: Vec<String> = err
        .lines()
        .filter(|l| l.trim_start().starts_with("File "))
        .map(|l| l.split(", ").skip(1).collect::<Vec<_>>().join(", "))
        .collect();
    assert_eq!(
        frames,
        [
            "line 7, in <module>",
            "line 2, in a",
            "line 4, in b",
            "line 6, in c"
        ],
        "{err}"
    );
    assert_eq!(err.trim_end().lines().last(), Some("ValueError: deep"));
}

#[test]
fn a_syntax_error_names_file_line_and_column_with_a_caret() {
    let out = run_source("syntax", "x = 1\ny = (2 +\n");
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("syntax.py:2:5:"), "{err}");
    assert!(err.contains("was never closed"), "{err}");
    assert!(err.contains("SyntaxError"), "{err}");
    assert!(err.contains('^'), "{err}");
}

#[test]
fn constructs_outside_the_subset_are_compile_errors_naming_them() {
    let cases = [
        (
            "match_stmt",
            "x = 1\nmatch x:\n    case 1:\n        pass\n",
            2,
        ),
        ("walrus", "if (n := 10) > 5:\n    print(n)\n", 1),
        ("complex_lit", "z = 3j\n", 1),
        (
            "multi_inherit",
            "class A: pass\nclass B: pass\nclass C(A, B): pass\n",
            3,
        ),
        // Built-ins Kiln does not provide, read where nothing binds them.
        ("builtin_globals", "def f():\n    return globals()\n", 2),
        (
            "builtin_exception",
            "try:\n    pass\nexcept FileNotFoundError:\n    pass\n",
            3,
        ),
        ("builtin_in_class", "class C:\n    x = 1\n    y = open\n", 3),
    ];
    for (name, source, line) in cases {
        let out = run_source(name, source);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(
            out.stdout.is_empty(),
            "{name}: nothing runs before a compile error"
        );
        assert!(err.contains(&format!("{name}.py:{line}:")), "{name}: {err}");
        assert!(err.contains("unsupported"), "{name}: {err}");
    }
}

#[test]
fn a_script_may_bind_the_names_of_builtins_outside_the_subset() {
    // Only reading the missing built-in is outside the subset: a program
    // that defines the name itself (anywhere in the module) runs.
    let out = run_source(
        "binds_builtins",
        "open = lambda p: 'opened ' + p\n\
         class C:\n    dir = 3\n    y = dir\n\
         def g():\n    global input\n    input = 5\n\
         def h(exit):\n    return exit + 1\n\
         g()\nprint(open('x'), C.y, input, h(1))\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(out.stdout, b"opened x 3 5 2\n");
}

#[test]
fn a_missing_file_is_reported_not_panicked() {
    let out = Command::new(KILN)
        .args(["run", "/nonexistent/kiln/script.py"])
        .output()
        .expect("run kiln");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("script.py"), "{}", stderr(&out));
}

#[test]
fn check_reports_every_broken_script() {
    let dir = scratch("check");
    std::fs::write(dir.join("good.py"), "def f():\n    return 1\n").expect("write");
    std::fs::write(dir.join("bad1.py"), "def f(:\n").expect("write");
    std::fs::create_dir_all(dir.join("sub")).expect("mkdir");
    std::fs::write(dir.join("sub/bad2.py"), "x = [1, 2\n").expect("write");
    let out = Command::new(KILN)
        .arg("check")
        .arg(&dir)
        .output()
        .expect("run kiln");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("bad1.py:1:"), "{err}");
    assert!(err.contains("bad2.py:"), "{err}");
    assert!(!err.contains("good.py"), "{err}");

    std::fs::remove_file(dir.join("bad1.py")).expect("rm");
    std::fs::remove_file(dir.join("sub/bad2.py")).expect("rm");
    let out = Command::new(KILN)
        .arg("check")
        .arg(&dir)
        .output()
        .expect("run kiln");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn both_tiers_are_accepted_on_the_command_line() {
    let dir = scratch("tiers");
    let file = dir.join("t.py");
    std::fs::write(&file, "print(sum(i * i for i in range(10)))\n").expect("write");
    for tier in ["on", "off"] {
        let out = Command::new(KILN)
            .args(["run", "--jit", tier])
            .arg(&file)
            .output()
            .expect("run kiln");
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_eq!(out.stdout, b"285\n");
    }
}

#[test]
fn bench_times_both_tiers_and_checks_their_output_agrees() {
    let dir = scratch("bench");
    let file = dir.join("work.py");
    std::fs::write(
        &file,
        "t = 0\nfor i in range(20000):\n    t += i % 7\nprint(t)\n",
    )
    .expect("write");
    let out = Command::new(KILN)
        .args(["bench", "--runs", "1"])
        .arg(&file)
        .output()
        .expect("run kiln");
    let table = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{table}{}", stderr(&out));
    let row = table
        .lines()
        .find(|l| l.starts_with("work.py"))
        .expect("a row for the script");
    assert!(row.ends_with("same"), "{row}");

    // A script that fails is reported, and the exit status says so.
    let bad = dir.join("bad.py");
    std::fs::write(&bad, "raise SystemExit(3)\n").expect("write");
    let out = Command::new(KILN)
        .args(["bench", "--runs", "1"])
        .arg(&bad)
        .output()
        .expect("run kiln");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("failed"));
}

#[test]
fn a_closed_stderr_while_dumping_jit_code_neither_hangs_nor_loses_output() {
    // Writing the dump to a closed pipe used to panic the compile thread,
    // and a synchronous compile then waited for a reply that never came.
    let dir = scratch("dump-closed");
    let file = dir.join("dump.py");
    let source =
        "def f(n):\n    return n * 2\nt = 0\nfor i in range(50):\n    t += f(i)\nprint(t)\n";
    std::fs::write(&file, source).expect("write script");
    let mut child = Command::new(KILN)
        .args(["run", "--jit-threshold", "2", "--jit-sync"])
        .arg(&file)
        .env("KILN_JIT_DUMP", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run kiln");
    drop(child.stderr.take());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while child.try_wait().expect("poll kiln").is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("kiln did not finish with its stderr closed");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("collect output");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "2450\n");
    assert_eq!(out.status.code(), Some(0));
}
