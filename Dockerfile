# One image for every kmo2informer process: ingest, processor, scheduler, dashboard,
# the migrations, the operator CLI (`kmo2informer`), both sandboxes and the demo seed.
# The command picks one, e.g. `docker run IMAGE python -m ingest`; docker-compose.yml
# runs them all.

# Build stage: the packages of the repository, installed (not editable) into a venv
# that the runtime stage copies as it is. Build tools stay behind.
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
WORKDIR /src
COPY libs/common libs/common
COPY services/ingest services/ingest
COPY services/processor services/processor
COPY services/scheduler services/scheduler
COPY services/dashboard services/dashboard
COPY sandbox sandbox
RUN /opt/venv/bin/pip install \
        ./libs/common \
        ./services/ingest \
        ./services/processor \
        ./services/scheduler \
        ./services/dashboard \
        ./sandbox

FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN useradd --system --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin app
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
# The demo seed: a script run by path, and the installation file it reads by default.
COPY scripts/seed_demo.py scripts/seed_demo.py
COPY demo demo
USER app
EXPOSE 8000 8080 8081 8082 8101 8102
CMD ["python", "-m", "ingest"]
