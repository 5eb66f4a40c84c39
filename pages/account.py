"""Account page: preferences, profile, password, your data, deleting the account, and the
JSON API's tokens."""

import streamlit as st

from fueltracker.ui import account, auth, tokens

user = auth.require_user()
st.title("Account", anchor=False)
account.show_flash()

preferences, profile, password, data, api = st.tabs(
    ["Preferences", "Profile", "Password", "Your data", "API tokens"]
)
with preferences:
    account.preferences_form(user)
with profile:
    account.profile_form(user)
with password:
    account.password_form(user)
with data:
    account.data_downloads(user)
    st.divider()
    account.delete_form(user)
with api:
    tokens.section(user)
