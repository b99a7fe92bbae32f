# syntax=docker/dockerfile:1
# Build: docker build -t segview .
# Run:   docker run --rm -p 8080:8080 --env-file .env segview
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main.version=${VERSION}" -o /out/segview ./cmd/web

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/segview /usr/local/bin/segview
USER nonroot:nonroot
EXPOSE 8080
ENV SEGVIEW_ADDR=:8080
ENTRYPOINT ["/usr/local/bin/segview"]
