/// The release, shown by `--version` and used as the Debian package's version.
let schedulerProxyVersion = "0.9.0"
