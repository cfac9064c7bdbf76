// The route's handler lives one folder up, shared with the workerd test; tsc type-checks it, not the build.
export default { experimental: { externalDir: true }, typescript: { ignoreBuildErrors: true } };
