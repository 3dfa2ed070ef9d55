# One image for every yuqing process (run, scheduler, dashboard); the command picks the role.
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY yuqing yuqing
COPY pipeline pipeline
COPY crawlers crawlers
COPY responders responders
COPY dashboard dashboard
COPY config config
RUN pip install -e .
ENV YUQING_CONFIG=/app/config
EXPOSE 8501
CMD ["yuqing", "run"]
