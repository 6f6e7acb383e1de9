//! Says, in one line, whether this run covers PostgreSQL. Without
//! `KEYWARD_TEST_DATABASE_URL` the suite runs on SQLite only; `.ci/run` always sets it.

fn main() {
    match std::env::var("KEYWARD_TEST_DATABASE_URL") {
        Ok(url) => println!(
            "PostgreSQL pass: this run uses {}",
            url.split('@').next_back().unwrap_or("the given server")
        ),
        Err(_) => println!(
            "PostgreSQL pass not run: KEYWARD_TEST_DATABASE_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test); this run covered SQLite only"
        ),
    }
}
