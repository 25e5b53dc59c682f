# Recouvre: the application image (API, back office, batch commands). See docs/operations.md.
FROM python:3.11-slim-bookworm

# WeasyPrint's libraries and the letters' font (scripts/system-deps.sh lists the same), and
# PostgreSQL's client tools for `recouvre backup` / `recouvre restore`.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core postgresql-client \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --no-cache-dir '.[postgres]' \
    && useradd --system --uid 10001 --home-dir /var/lib/recouvre --create-home recouvre

USER recouvre
WORKDIR /var/lib/recouvre
ENV RECOUVRE_AUDIT_DIR=/var/lib/recouvre/audit
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health').status == 200 else 1)"
ENTRYPOINT ["recouvre"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000", "--log-format", "json"]
