//! Entry point of the help page: mounts the app on `<body>`.

fn main() {
    frontend::start();
}
