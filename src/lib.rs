//! This package holds flutter's examples (`examples/`) and the integration tests
//! written the way a user of the library would write them (`tests/`). The code
//! lives in `flutter`, `flutter-macros` and `flutter-bin`.
