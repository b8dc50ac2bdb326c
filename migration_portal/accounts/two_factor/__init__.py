"""Two-factor sign-in (django-otp): policy and services, the middleware, the API check and the pages."""
