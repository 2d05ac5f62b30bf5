# berth in a container: berthd is the init (PID 1) and deploys the apps named by the environment
# (SERVICES, SERVICES_COUNT + SVC_<i>_*, SERVICE_A_*/SERVICE_B_*) at every start.
#
#   docker build -t berth .                       # BASE defaults to debian:12
#   docker build --build-arg BASE=my-bookworm -t berth .
#   docker run -d -p 8080:8080 -p 9090:9090 -v berth:/var/lib/berth \
#     -e SERVICE_A_REPO=https://git.example.com/acme/web.git berth
#
# Stage order keeps what does not depend on the source first: build-deps (compilers, -dev
# packages) and runtime-base (runtime packages and the image settings) can be built alone with
# `--target` and tagged, so that they and their layers outlive the image built from them
# (tests/docker/image_test.sh does). Only the build stage and the final COPY follow the source.
ARG BASE=debian:12

FROM ${BASE} AS build-deps
ARG DEBIAN_FRONTEND=noninteractive
# Makefile BUILD_DEPS, less what only `make` itself uses (curl, passwd, procps).
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      cmake g++ make pkg-config \
      libevent-dev libsystemd-dev nlohmann-json3-dev libsqlite3-dev \
      libcurl4-openssl-dev libssl-dev node-llhttp libgit2-dev libarchive-dev libgtest-dev libgmock-dev \
 && rm -rf /var/lib/apt/lists/*
# Inherited by the layers built on it, so that `docker image prune --filter
# label=org.berth.stage=build` drops the stale ones and keeps a tagged build-deps.
LABEL org.berth.stage=build

FROM ${BASE} AS runtime-base
ARG DEBIAN_FRONTEND=noninteractive
# The libraries the three binaries link; Python and Node for the apps' installs and detected
# start commands; passwd for the apps' users; procps for a look inside.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libevent-2.1-7 libevent-openssl-2.1-7 libsystemd0 libsqlite3-0 libcurl4 libssl3 libgit2-1.5 libarchive13 \
      ca-certificates python3 python3-venv nodejs npm passwd procps \
 && rm -rf /var/lib/apt/lists/*

# The apps of the legacy slots, fixed at build time when given (docker run -e overrides them).
ARG DEFAULT_SERVICES_MODE=auto \
    SERVICE_A_REPO= SERVICE_A_REF= SERVICE_A_SUBDIR= SERVICE_A_TARBALL= SERVICE_A_CMD= \
    SERVICE_A_PORT= SERVICE_A_NAME= SERVICE_A_INSTALL_CMD= SERVICE_A_ENABLED= \
    SERVICE_B_REPO= SERVICE_B_REF= SERVICE_B_SUBDIR= SERVICE_B_TARBALL= SERVICE_B_CMD= \
    SERVICE_B_PORT= SERVICE_B_NAME= SERVICE_B_INSTALL_CMD= SERVICE_B_ENABLED=
# Apps bind $HOST: all of the container's addresses, so that published ports reach them.
ENV BERTH_STATE_DIR=/var/lib/berth BERTH_APP_HOST=0.0.0.0 \
    DEFAULT_SERVICES_MODE=${DEFAULT_SERVICES_MODE} \
    SERVICE_A_REPO=${SERVICE_A_REPO} SERVICE_A_REF=${SERVICE_A_REF} \
    SERVICE_A_SUBDIR=${SERVICE_A_SUBDIR} SERVICE_A_TARBALL=${SERVICE_A_TARBALL} \
    SERVICE_A_CMD=${SERVICE_A_CMD} SERVICE_A_PORT=${SERVICE_A_PORT} \
    SERVICE_A_NAME=${SERVICE_A_NAME} SERVICE_A_INSTALL_CMD=${SERVICE_A_INSTALL_CMD} \
    SERVICE_A_ENABLED=${SERVICE_A_ENABLED} \
    SERVICE_B_REPO=${SERVICE_B_REPO} SERVICE_B_REF=${SERVICE_B_REF} \
    SERVICE_B_SUBDIR=${SERVICE_B_SUBDIR} SERVICE_B_TARBALL=${SERVICE_B_TARBALL} \
    SERVICE_B_CMD=${SERVICE_B_CMD} SERVICE_B_PORT=${SERVICE_B_PORT} \
    SERVICE_B_NAME=${SERVICE_B_NAME} SERVICE_B_INSTALL_CMD=${SERVICE_B_INSTALL_CMD} \
    SERVICE_B_ENABLED=${SERVICE_B_ENABLED}

# The apps' ports (slot A and B defaults). The API stays on 127.0.0.1:7070 and
# /var/lib/berth/run/api.sock inside the container: `docker exec <c> berthctl ls`.
EXPOSE 8080 9090
VOLUME /var/lib/berth
# Healthy once every autostart app runs; the start period leaves room for first installs.
HEALTHCHECK --interval=15s --timeout=5s --start-period=300s --retries=3 CMD ["berthctl", "health"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/berthd"]

FROM build-deps AS build
COPY . /src
RUN cmake -S /src -B /build -DCMAKE_BUILD_TYPE=Release \
 && cmake --build /build -j"$(nproc)" --target berthd berthctl berth-fetch berth-fetch-tarball \
 && DESTDIR=/staging cmake --install /build --prefix /usr --strip

FROM runtime-base
COPY --from=build /staging/usr/bin/berthd /staging/usr/bin/berthctl /staging/usr/bin/berth-fetch \
     /staging/usr/bin/berth-fetch-tarball /usr/bin/
