// The routes' handler lives one folder up, shared with the workerd test. The repository's tsc type-checks it and
// the README's route (npm test); the [action] route imports it without the .js suffix Next cannot map, so
// tsc leaves that three-line file out, and Next's build checks no types.
export default { experimental: { externalDir: true }, typescript: { ignoreBuildErrors: true } };
