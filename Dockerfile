# The nextdeploy worker. Same install as CI (.ci/run): `npm ci` from the committed lockfile,
# which also brings the project's own Node 22.
FROM node:22-bookworm-slim
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
USER node
EXPOSE 9464
# The token arrives as a Docker secret file (CLOUDFLARE_API_TOKEN_FILE), never as an image layer.
CMD ["npm", "run", "worker"]
