from oauth2_provider.oauth2_validators import OAuth2Validator


class ZhengwuOIDCValidator(OAuth2Validator):
    pass
