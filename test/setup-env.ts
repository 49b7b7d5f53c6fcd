/**
 * Test environment: nothing may reach AWS, GitHub or Microsoft. The AWS SDK gets dummy
 * credentials (the local stand-ins ignore signatures) and no instance metadata lookups.
 */
process.env.AWS_ACCESS_KEY_ID = 'local';
process.env.AWS_SECRET_ACCESS_KEY = 'local';
process.env.AWS_REGION ??= 'eu-west-2';
process.env.AWS_EC2_METADATA_DISABLED = 'true';
delete process.env.AWS_PROFILE;
process.env.POWERTOOLS_DEV ??= 'false';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
