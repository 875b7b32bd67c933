# flutter-bin in a small image: built with the project's pinned toolchain,
# run as a non-root user, the binary as the entry point (it handles SIGTERM
# itself: `docker stop` and Kubernetes get a bounded flush and a summary).
#
#   docker build -t flutter .
#   docker run --rm -v "$PWD/samples:/scenarios:ro" flutter /scenarios/sample-dryrun.yaml

FROM rust:1.95.0-slim-trixie AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p flutter-bin \
 && install -D target/release/flutter-bin /out/flutter-bin

FROM debian:trixie-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --no-create-home flutter
COPY --from=build /out/flutter-bin /usr/local/bin/flutter-bin
USER 10001
ENTRYPOINT ["/usr/local/bin/flutter-bin"]
