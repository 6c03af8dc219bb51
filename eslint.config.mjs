// npm run lint: ESLint with typescript-eslint's type-checked rules over every TypeScript file the
// tsconfig type-checks, plus the rules a Pulumi program most needs: a dropped promise loses a
// resource registration silently, and an Output in a template string renders as a warning text.
// @ts-check
import js from "@eslint/js";
import pulumi from "@pulumi/eslint-plugin";
import prettier from "eslint-config-prettier";
import tseslint from "typescript-eslint";

export default tseslint.config(
    {
        ignores: ["node_modules/", "**/node_modules/", "batch-container/dist/", "reports/", ".stryker-tmp/"],
    },
    js.configs.recommended,
    tseslint.configs.recommendedTypeChecked,
    tseslint.configs.stylisticTypeChecked,
    {
        files: ["**/*.ts"],
        languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
        plugins: { "@pulumi": pulumi },
        rules: {
            "@pulumi/no-output-in-template-literal": "error",
            "@pulumi/no-output-instance-in-template-literal": "error",
            "@typescript-eslint/no-floating-promises": "error",
            "@typescript-eslint/no-misused-promises": "error",
            "@typescript-eslint/return-await": ["error", "in-try-catch"],
            "@typescript-eslint/switch-exhaustiveness-check": "error",
            "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
            // async marks a function's contract (a Lambda handler, an injected dependency) as
            // returning a promise, whether or not its body awaits anything.
            "@typescript-eslint/require-await": "off",
            // Names starting with _ are the rest pattern's way of leaving a property out.
            "@typescript-eslint/no-unused-vars": ["error", { varsIgnorePattern: "^_", argsIgnorePattern: "^_", ignoreRestSiblings: true }],
        },
    },
    {
        // Tests build mock inputs and read mock outputs, which are untyped JSON by nature.
        files: ["tests/**/*.ts", "batch-container/test/**/*.ts"],
        rules: {
            "@typescript-eslint/no-unsafe-assignment": "off",
            "@typescript-eslint/no-unsafe-member-access": "off",
            "@typescript-eslint/no-unsafe-argument": "off",
            "@typescript-eslint/no-unsafe-call": "off",
            "@typescript-eslint/no-unsafe-return": "off",
            "@typescript-eslint/no-explicit-any": "off",
            // The program is loaded afresh under each set of mocks, and bundles from temporary files.
            "@typescript-eslint/no-require-imports": "off",
            // Capturing a stream's write or the console's methods means holding them unbound.
            "@typescript-eslint/unbound-method": "off",
        },
    },
    {
        // A policy reads each resource's properties as the engine hands them over: untyped.
        files: ["policy/**/*.ts"],
        rules: {
            "@typescript-eslint/no-explicit-any": "off",
            "@typescript-eslint/no-unsafe-assignment": "off",
            "@typescript-eslint/no-unsafe-member-access": "off",
        },
    },
    {
        // The build and tool configurations and the benchmark's child script run on Node.js as they are.
        files: ["**/*.mjs", "**/*.js"],
        extends: [tseslint.configs.disableTypeChecked],
        languageOptions: {
            globals: { process: "readonly", console: "readonly", performance: "readonly", URL: "readonly" },
        },
    },
    {
        files: ["**/*.js"],
        languageOptions: { sourceType: "commonjs", globals: { require: "readonly", __dirname: "readonly", module: "writable" } },
        rules: { "@typescript-eslint/no-require-imports": "off" },
    },
    prettier,
);
