# syntax=docker/dockerfile:1
# Build: docker build -t segview [--build-arg VERSION=1.4.0] .
# Run:   docker run --rm -p 8080:8080 --env-file .env segview
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# VERSION, when given (--build-arg VERSION=1.4.0), must be a SemVer 2.0.0
# version: CDF refuses anything else as an annotation's creatingAppVersion,
# and segview refuses to start with it. Without it (and without .git, which
# .dockerignore leaves out) the version is 0.0.0-dev.
ARG VERSION=
# cgo for the libjpeg-turbo JPEG path (the library is opened at run time, so
# no -dev package is needed); netgo and osusergo keep DNS and user lookups
# in pure Go, as in a static build.
RUN CGO_ENABLED=1 go build -trimpath -tags netgo,osusergo -ldflags="-s -w ${VERSION:+-X main.version=${VERSION}}" -o /out/segview ./cmd/web

# The binary needs glibc and libturbojpeg0, so the runtime is Debian slim
# (the same release as the build image) rather than distroless/static; the
# user is distroless's nonroot, 65532.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates libturbojpeg0 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 65532 nonroot \
 && useradd --uid 65532 --gid nonroot --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin nonroot
COPY --from=build /out/segview /usr/local/bin/segview
USER nonroot:nonroot
EXPOSE 8080
ENV SEGVIEW_ADDR=:8080
ENTRYPOINT ["/usr/local/bin/segview"]
