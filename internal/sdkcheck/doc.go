// Package sdkcheck runs Cognite's official JavaScript SDK (@cognite/sdk,
// from npm) against the CDF simulator, so that the simulator is checked
// against a client segview did not write. The package has no code: its
// test starts the simulator on loopback and runs cognite-sdk.mjs with
// Node.js.
//
// The SDK is installed outside the repository, as .ci/run does:
//
//	npm install --no-save --prefix ~/.cache/segview-cognite-sdk @cognite/sdk@10
//	export SEGVIEW_COGNITE_SDK=~/.cache/segview-cognite-sdk/node_modules/@cognite/sdk
//
// Without SEGVIEW_COGNITE_SDK (or without node) the test skips, saying
// why; with CI=true it fails instead.
package sdkcheck
